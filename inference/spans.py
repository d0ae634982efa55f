"""Words with character offsets from raw text, IOB2 word tags from word probabilities, and entity spans from tags."""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np

from inference.sentences import PARAGRAPH

WORD_PATTERN = re.compile(r"\w+(?:[-'’.&]\w+)*|[^\w\s]")
# how word probabilities become tags: the best IOB2-valid sequence, or each word's most probable tag
DECODINGS = ("viterbi", "argmax")


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


def paragraph_starts(text: str, words: list[tuple[int, int]]) -> set[int]:
    """Indices of the words (character spans into ``text``) that follow a blank line (a paragraph break, as the
    sentence splitter sees one)."""
    return {i for i in range(1, len(words)) if PARAGRAPH.search(text, words[i - 1][1], words[i][0])}


def cut_spans(spans: list[tuple[str, int, int]], starts: set[int]) -> list[tuple[str, int, int]]:
    """``(type, first_word, end_word)`` spans cut before every word in ``starts`` that falls inside one."""
    out = []
    for kind, first, end in spans:
        cuts = [first, *(i for i in range(first + 1, end) if i in starts), end]
        out.extend((kind, a, b) for a, b in zip(cuts, cuts[1:]))
    return out


def decode_tags(probs: np.ndarray, labels: list[str], decoding: str = "viterbi",
                transitions: np.ndarray | None = None) -> np.ndarray:
    """The label index of each word from (n_words, n_labels) probabilities (see ``DECODINGS``; ``transitions``:
    a CRF's learned tag-to-tag scores, used by Viterbi decoding)."""
    if decoding == "argmax":
        return probs.argmax(axis=1)
    if decoding != "viterbi":
        raise ValueError(f"decoding must be one of {DECODINGS}, not {decoding!r}")
    return viterbi_tags(probs, labels, transitions)


def viterbi_tags(probs: np.ndarray, labels: list[str], transitions: np.ndarray | None = None) -> np.ndarray:
    """The most probable tag sequence in which every ``I-X`` follows ``B-X`` or ``I-X`` (label indices).

    Where each word's most probable tag already makes a valid sequence, that sequence is the answer; otherwise a
    stray ``I-X`` (which seqeval would read as a new entity) or a type change inside a span is settled by the
    probabilities of the whole span, not word by word. ``transitions`` (n_labels × n_labels, ``[a, b]`` for tag
    ``b`` after tag ``a``): a CRF's learned scores, added to the log probabilities of each step (the model was
    trained for the sequence that maximises their sum).
    """
    penalty, first = _transitions(tuple(labels))
    if transitions is not None:
        penalty = penalty + np.asarray(transitions, dtype=np.float64)
    if probs.shape[0] == 0:
        return np.zeros(0, dtype=int)
    log_probs = np.log(np.maximum(probs.astype(np.float64), 1e-300))
    score = first + log_probs[0]
    back = np.zeros(probs.shape, dtype=int)
    columns = np.arange(len(labels))
    for i in range(1, len(probs)):
        candidates = score[:, None] + penalty  # previous tag × tag
        back[i] = candidates.argmax(axis=0)
        score = candidates[back[i], columns] + log_probs[i]
    path = np.zeros(len(probs), dtype=int)
    path[-1] = int(score.argmax())
    for i in range(len(probs) - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


@functools.lru_cache(maxsize=32)
def _transitions(labels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """IOB2 constraints as log-space penalties (0 allowed, -inf not): ``[a, b]`` for tag ``b`` after tag ``a``, and
    ``[b]`` for ``b`` opening a text; computed once per label set, not per text."""
    inside = [label[2:] if label.startswith("I-") else None for label in labels]
    kinds = [label[2:] if label[:2] in ("B-", "I-") else None for label in labels]
    first = np.array([kind is None for kind in inside])
    orphans = sorted({kind for kind in inside if kind is not None} - {label[2:] for label in labels
                                                                        if label.startswith("B-")})
    if orphans:
        raise ValueError(f"labels {labels} have I- tags without B- tags for {orphans}: Viterbi decoding needs "
                         "IOB2 labels (B-X for every I-X)")
    allowed = np.array([[inside[b] is None or kinds[a] == inside[b] for b in range(len(labels))]
                        for a in range(len(labels))])
    return np.where(allowed, 0.0, -np.inf), np.where(first, 0.0, -np.inf)
