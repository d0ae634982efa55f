"""Words with character offsets from raw text, and entity spans from IOB2 word tags."""

from __future__ import annotations

import re
import unicodedata

WORD_PATTERN = re.compile(r"\w+(?:[-'’.&]\w+)*|[^\w\s]")


def split_words(text: str) -> list[tuple[int, int]]:
    """Character spans of the words of ``text``: runs of word characters (with inner ``-'’.&``) or single symbols.

    Combining marks (accents in decomposed text, Indic vowel signs) join the word they touch, so a span never
    ends inside a written word.
    """
    spans: list[tuple[int, int]] = []
    for match in WORD_PATTERN.finditer(text):
        start, end = match.span()
        touching = spans and spans[-1][1] == start
        if touching and "M" in (unicodedata.category(text[start])[0], unicodedata.category(text[start - 1])[0]):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def bio_spans(tags: list[str]) -> list[tuple[str, int, int]]:
    """``(type, first_word, end_word)`` spans (end exclusive); a stray ``I-X`` starts a new span, as in seqeval."""
    spans: list[tuple[str, int, int]] = []
    current: tuple[str, int] | None = None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        continues = prefix == "I" and current is not None and current[0] == kind
        if current is not None and not continues:
            spans.append((current[0], current[1], i))
            current = None
        if prefix in ("B", "I") and not continues:
            current = (kind, i)
    return spans
