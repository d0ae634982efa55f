"""CASE 2021 Task 2 format: UTF-8 TSV with header ``id<TAB>EventSnippet<TAB>SubType``, one label per snippet."""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig

from training.data.base import DataFormatError, Example, iter_lines, text_example

HEADER = ["id", "EventSnippet", "SubType"]


def read(source: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """Read one CASE-format file into single-label text examples (id from the ``id`` column)."""
    path = source["path"]
    lines = iter_lines(path)
    number, header = next(lines)
    if header.lstrip("\ufeff").split("\t") != HEADER:
        raise DataFormatError(path, f"header must be {'<TAB>'.join(HEADER)!r}, found {header!r}", number)
    labels = list(cfg.labels)
    examples = []
    for number, line in lines:
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != len(HEADER):
            raise DataFormatError(path, f"expected {len(HEADER)} tab-separated columns, found {len(cols)}", number)
        snippet_id, text, label = (c.strip() for c in cols)
        if not snippet_id:
            raise DataFormatError(path, "empty id", number)
        examples.append(text_example(snippet_id, text, [label], labels, path, number))
    return examples
