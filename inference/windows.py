"""Strided windows over long inputs and the merging of window predictions back onto words or texts.

Inputs are tokenized whole (no truncation), then cut into windows of at most ``max_length`` tokens
(special tokens included) that overlap by ``stride`` tokens, so nothing is ever truncated or dropped. A word longer
than the tokenizer encodes (WordPiece's ``max_input_chars_per_word``, 100 characters for BERT) is cut into pieces
of that length first, which the tokenizer would otherwise turn into one unknown token.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

import numpy as np
from transformers import PreTrainedTokenizerBase

from inference.word_shapes import NO_WORD, word_shape

IGNORE_INDEX = -100
POOLS = ("max", "mean")  # how window scores are pooled per text


@dataclass
class Windows:
    """Windows over a batch of examples, with what is needed to map predictions back."""

    input_ids: list[list[int]] = field(default_factory=list)
    example_index: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # content-token offset of each window
    lengths: list[int] = field(default_factory=list)  # content tokens in each window
    n_prefix: int = 1  # special tokens before the content (``[CLS]``)
    # token tasks only: content-token index of each word's first subword, per example
    word_first_token: list[list[int]] = field(default_factory=list)
    replaced_words: int = 0  # words that produced no subword and were encoded as the unknown token
    # word-shape models only: per window, each token's word shape (``inference.word_shapes``) as its token type
    token_type_ids: list[list[int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.input_ids)


def _window_starts(n_tokens: int, size: int, stride: int) -> list[int]:
    if size <= stride:
        raise ValueError(f"a window's content ({size} tokens: max_length less the special tokens) must exceed "
                         f"the stride ({stride})")
    starts = [0]
    while starts[-1] + size < n_tokens:
        starts.append(starts[-1] + size - stride)
    return starts


def _special_tokens(tokenizer: PreTrainedTokenizerBase) -> tuple[list[int], list[int]]:
    """The special token ids the tokenizer puts before and after a single sequence."""
    content = tokenizer("x", add_special_tokens=False)["input_ids"]
    full = tokenizer("x")["input_ids"]
    for i in range(len(full) - len(content) + 1):
        if full[i:i + len(content)] == content:
            return full[:i], full[i + len(content):]
    raise ValueError(f"cannot locate the content between the special tokens of {type(tokenizer).__name__}")


def _add_windows(windows: Windows, ids: list[int], example: int, size: int, stride: int,
                 special: tuple[list[int], list[int]], types: list[int] | None = None) -> None:
    prefix, suffix = special
    for start in _window_starts(len(ids), size, stride):
        content = ids[start:start + size]
        windows.input_ids.append(prefix + content + suffix)
        if types is not None:
            windows.token_type_ids.append([NO_WORD] * len(prefix) + types[start:start + size] + [NO_WORD] * len(suffix))
        windows.lengths.append(len(content))
        windows.example_index.append(example)
        windows.starts.append(start)


def _new_windows(tokenizer: PreTrainedTokenizerBase, max_length: int) -> tuple[Windows, int, tuple]:
    special = _special_tokens(tokenizer)
    size = max_length - len(special[0]) - len(special[1])
    return Windows(n_prefix=len(special[0])), size, special


def word_windows(tokenizer: PreTrainedTokenizerBase, words_batch: list[list[str]], max_length: int,
                 stride: int, shapes: bool = False) -> Windows:
    """Window pre-split words; every word gets a first subword (words that vanish become ``[UNK]``). With
    ``shapes``, each token's token type is the shape of its word as written (``inference.word_shapes``)."""
    windows, size, special = _new_windows(tokenizer, max_length)
    for example, words in enumerate(words_batch):
        ids, word_ids = _encode_words(tokenizer, words)
        missing = set(range(len(words))) - {w for w in word_ids if w is not None}
        if missing:
            windows.replaced_words += len(missing)
            ids, word_ids = _encode_words(tokenizer, [tokenizer.unk_token if i in missing else w
                                                      for i, w in enumerate(words)])
        first: dict[int, int] = {}
        for pos, w in enumerate(word_ids):
            if w is not None and w not in first:
                first[w] = pos
        windows.word_first_token.append([first[i] for i in range(len(words))])
        types = [NO_WORD if w is None else word_shape(words[w]) for w in word_ids] if shapes else None
        _add_windows(windows, ids, example, size, stride, special, types)
    return windows


def _encode_words(tokenizer: PreTrainedTokenizerBase, words: list[str]) -> tuple[list[int], list[int | None]]:
    """Token ids and, per token, the index of its word (None for none); overlong words go in as pieces."""
    pieces, owner = [], []
    for index, word in enumerate(words):
        for piece in encodable_pieces(tokenizer, word):
            pieces.append(piece)
            owner.append(index)
    enc = tokenizer(pieces, is_split_into_words=True, add_special_tokens=False, verbose=False)
    return enc["input_ids"], [None if p is None else owner[p] for p in enc.word_ids()]


def encodable_pieces(tokenizer: PreTrainedTokenizerBase, text: str) -> list[str]:
    """``text`` cut inside each word that is longer than the tokenizer encodes (WordPiece turns such a word into
    one unknown token), into pieces of that many characters; ``[text]`` when none is."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    limit = getattr(getattr(backend, "model", None), "max_input_chars_per_word", None)
    pre_tokenizer = getattr(backend, "pre_tokenizer", None)
    if not limit or pre_tokenizer is None or len(text) <= limit:
        return [text]
    cuts = [cut for _word, (start, end) in pre_tokenizer.pre_tokenize_str(text) if end - start > limit
            for cut in range(start + limit, end, limit)]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def encode_text(tokenizer: PreTrainedTokenizerBase, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Token ids of ``text`` (no special tokens) and each token's character span in it, as ``text_windows``
    tokenizes it (an overlong word goes in as pieces, ``encodable_pieces``); needs a fast tokenizer."""
    pieces = encodable_pieces(tokenizer, text)
    enc = tokenizer(" ".join(pieces), add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    if len(pieces) == 1:
        return enc["input_ids"], enc["offset_mapping"]
    # piece k starts k joining spaces further on in the joined text than in ``text``; no token spans a space
    joined_starts = list(itertools.accumulate((len(p) + 1 for p in pieces[:-1]), initial=0))
    shifts = [bisect.bisect_right(joined_starts, start) - 1 for start, _ in enc["offset_mapping"]]
    return enc["input_ids"], [(start - k, end - k) for (start, end), k in zip(enc["offset_mapping"], shifts)]


def text_windows(tokenizer: PreTrainedTokenizerBase, texts: list[str], max_length: int, stride: int) -> Windows:
    """Window whole texts."""
    windows, size, special = _new_windows(tokenizer, max_length)
    for example, text in enumerate(texts):
        pieces = " ".join(encodable_pieces(tokenizer, text))  # without offsets, which slow tokenizers lack
        _add_windows(windows, tokenizer(pieces, add_special_tokens=False, verbose=False)["input_ids"], example, size,
                     stride, special)
    return windows


def word_labels(windows: Windows, label_ids: list[list[int]]) -> list[list[int]]:
    """Per-window label ids: each word's label on its first subword, IGNORE_INDEX elsewhere."""
    out = []
    for ids, example, start, length in zip(windows.input_ids, windows.example_index, windows.starts,
                                           windows.lengths):
        labels = [IGNORE_INDEX] * len(ids)
        for word, pos in enumerate(windows.word_first_token[example]):
            if start <= pos < start + length:
                labels[windows.n_prefix + pos - start] = label_ids[example][word]
        out.append(labels)
    return out


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def merge_word_logits(windows: Windows, logits: list[np.ndarray]) -> list[np.ndarray]:
    """Per example, a (n_words, n_labels) probability array.

    Each word takes the prediction of the window in which its first subword is farthest from a window
    edge, i.e. the one with the most context on both sides.
    """
    by_example: dict[int, list[int]] = {}
    for i, example in enumerate(windows.example_index):
        by_example.setdefault(example, []).append(i)
    out = []
    for example, firsts in enumerate(windows.word_first_token):
        rows = []
        for pos in firsts:
            best, best_margin = -1, -1
            for i in by_example.get(example, []):
                start, length = windows.starts[i], windows.lengths[i]
                if start <= pos < start + length:
                    margin = min(pos - start, start + length - 1 - pos)
                    if margin > best_margin:
                        best, best_margin = i, margin
            rows.append(logits[best][windows.n_prefix + pos - windows.starts[best]])
        n_labels = logits[0].shape[-1] if logits else 0
        out.append(softmax(np.stack(rows)) if rows else np.zeros((0, n_labels), dtype=np.float32))
    return out


def pool_text_logits(windows: Windows, logits: np.ndarray, n_examples: int, multi_label: bool,
                     pool: str = "max") -> np.ndarray:
    """(n_examples, n_labels) probabilities pooled over each example's windows (``max`` or ``mean``)."""
    probs = _sigmoid(logits) if multi_label else softmax(logits)
    index = np.asarray(windows.example_index)
    out = np.zeros((n_examples, probs.shape[-1]), dtype=np.float32)
    for example in range(n_examples):
        rows = probs[index == example]
        if pool == "max":
            out[example] = rows.max(axis=0)
        elif pool == "mean":
            out[example] = rows.mean(axis=0)
        else:
            raise ValueError(f"unknown pool {pool!r}: expected one of {POOLS}")
    if not multi_label and pool == "max":
        out /= out.sum(axis=1, keepdims=True)
    return out
