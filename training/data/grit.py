"""GRIT's processed MUC-4 JSON Lines: one ``{"docid", "doctext", "extracts"}`` document per line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from training.data.base import DataFormatError, get_field, iter_jsonl


class GritDoc(NamedTuple):
    """One GRIT document and the line it was read from."""

    line: int
    docid: str
    text: str
    record: dict[str, Any]


def read_docs(path: str) -> Iterator[GritDoc]:
    """Yield the documents of a GRIT file; a blank ``doctext`` is an error."""
    for line, record in iter_jsonl(path):
        docid = get_field(record, "docid", str, path, line)
        text = get_field(record, "doctext", str, path, line)
        if not text.strip():
            raise DataFormatError(path, f"{docid}: empty doctext", line)
        yield GritDoc(line, docid, text, record)
