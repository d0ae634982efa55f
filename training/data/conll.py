"""CoNLL-style token files: one ``TOKEN<delimiter>TAG`` per line, a blank line between sentences.

Handles LF and CRLF endings, trailing blank lines and a last sentence without a blank line after it.
Each line is split on the *last* delimiter, so a token may itself contain the delimiter.
"""

from __future__ import annotations

import collections
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from training.data.base import DataFormatError, Example, invalid_iob, iter_lines

Sentence = list[tuple[int, str, str]]  # (line number, token, tag)


def read(source: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """Read one CoNLL file into token examples with id ``"<file name>:<first line>"``.

    An ``I-X`` that does not continue an ``X`` entity raises, unless ``cfg.options.repair_bio`` is
    true: then it becomes ``B-X`` and is counted in ``stats["bio_repairs"]``. Tokens with no visible
    character (e.g. a lone U+200E) are kept and counted in ``stats["invisible_tokens"]``.
    """
    path = source["path"]
    repair = cfg.options.get("repair_bio", False)
    tagset = {"O"} | {f"{prefix}-{kind}" for kind in cfg.entity_types for prefix in "BI"}
    examples = []
    for sentence in _sentences(path, cfg.options.delimiter):
        lines, tokens, tags = (list(column) for column in zip(*sentence, strict=True))
        for line, tag in zip(lines, tags, strict=True):
            if tag not in tagset:
                raise DataFormatError(path, f"unknown tag {tag!r}", line)
        for i in invalid_iob(tags):
            if not repair:
                after = f"after {tags[i - 1]}" if i else "at sentence start"
                raise DataFormatError(path, f"invalid IOB2: {tags[i]} {after}", lines[i])
            tags[i] = "B-" + tags[i][2:]
            stats["bio_repairs"] += 1
        stats["invisible_tokens"] += sum(not _visible(token) for token in tokens)
        examples.append({"id": f"{Path(path).name}:{lines[0]}", "tokens": tokens, "tags": tags})
    return examples


def _sentences(path: str, delimiter: str) -> Iterator[Sentence]:
    """Yield the sentences of a CoNLL file; whitespace-only lines separate sentences."""
    sentence: Sentence = []
    for number, line in iter_lines(path):
        if not line.strip():
            if sentence:
                yield sentence
            sentence = []
            continue
        token, found, tag = line.rpartition(delimiter)
        if not found:
            raise DataFormatError(path, f"expected 2 columns separated by {delimiter!r}", number)
        sentence.append((number, token, tag))
    if sentence:
        yield sentence


def _visible(token: str) -> bool:
    """True if the token has a character that is not whitespace, a control or a format character."""
    return any(unicodedata.category(c)[0] not in "ZC" for c in token)
