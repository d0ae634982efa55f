"""Word shapes (casing and digits) for uncased encoders: a token model trained with ``word_shapes=true`` gets
the shape of each subword's word as its token type id, so it sees the capitals its tokenizer lowercases away
(``training.modeling.encoders.add_word_shape_embeddings`` makes room for them in the encoder)."""

from __future__ import annotations

NO_WORD, SYMBOLS, DIGITS, LOWER, TITLE, UPPER, MIXED = range(7)  # NO_WORD: special and padding tokens
N_SHAPES = 7


def word_shape(word: str) -> int:
    """The shape class of a word: DIGITS if it holds a digit, else by the case of its letters (``Kabul`` TITLE,
    ``ISIS`` UPPER, ``al-Qaeda`` MIXED; letters without case, as in Arabic script, count as lower), SYMBOLS when it
    has neither."""
    if any(c.isdigit() for c in word):
        return DIGITS
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return SYMBOLS
    uppers = [c.isupper() for c in letters]
    if not any(uppers):
        return LOWER
    if all(uppers):
        return UPPER if len(letters) > 1 else TITLE
    return TITLE if uppers[0] and not any(uppers[1:]) else MIXED
