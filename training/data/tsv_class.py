"""Tab-separated text classification files, read with ``csv`` as ConfliBERT does.

* single_label (cameo_class): ``sentence<TAB>index``, the index points into ``cfg.labels``.
* multi_label (satp): ``text<TAB>f1<TAB>...<TAB>fn``, one 0/1 flag per name in ``cfg.labels``.
"""

from __future__ import annotations

import collections
import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from training.data.base import DataFormatError, Example, iter_lines, text_example


def read(source: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """Read one TSV file into text examples with id ``"<file name>:<line>"``.

    A quoted row may not run over several physical lines (an unbalanced quote would merge rows).
    Rows whose text ``csv`` changed by unquoting are counted in ``stats["csv_unquoted"]``; blank
    lines are skipped.
    """
    path = source["path"]
    labels = list(cfg.labels)
    single = cfg.task == "single_label"
    width = 2 if single else 1 + len(labels)
    lines = [line for _, line in iter_lines(path)]
    rows = csv.reader(lines, delimiter="\t", quotechar='"')
    examples = []
    end = 0
    try:
        for row in rows:
            start, end = end + 1, rows.line_num
            if end != start:
                raise DataFormatError(path, f"quoted field runs from line {start} to {end}", start)
            if not row:
                continue
            if len(row) != width:
                raise DataFormatError(path, f"expected {width} tab-separated columns, found {len(row)}", start)
            text, values = row[0], row[1:]
            stats["csv_unquoted"] += text != lines[start - 1].split("\t", 1)[0]
            names = [_label(values[0], labels, path, start)] if single else _flags(values, labels, path, start)
            examples.append(text_example(f"{Path(path).name}:{start}", text, names, labels, path, start))
    except csv.Error as e:
        raise DataFormatError(path, f"csv: {e}", end + 1) from None
    return examples


def _label(value: str, labels: list[str], path: str, line: int) -> str:
    """The class name for an integer index into ``labels``."""
    if value not in {str(i) for i in range(len(labels))}:
        raise DataFormatError(path, f"label {value!r} is not an index in 0..{len(labels) - 1}", line)
    return labels[int(value)]


def _flags(values: list[str], labels: list[str], path: str, line: int) -> list[str]:
    """The names whose 0/1 flag is 1."""
    for value in values:
        if value not in ("0", "1"):
            raise DataFormatError(path, f"label flag {value!r} is not 0 or 1", line)
    return [name for name, value in zip(labels, values, strict=True) if value == "1"]
