"""Texts of the data root named by where they are, as the team's annotation files name them.

An annotation file holds each text's location, a checksum and offsets into the text, never the text itself: the
texts stay in the data root under their own terms. A location is ``path`` (relative to the data root), ``line``
(1-based) and exactly one of ``field`` (the text is that field of a JSON line), ``column`` (0-based, of a
tab-separated line) or ``conll: true`` (the tokens of the CoNLL sentence that starts at that line, joined by
single spaces), with ``sha1``, the SHA-1 of the text's UTF-8 bytes: a changed text is an error, never a silent
misalignment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LOCATION_KEYS = ("field", "column", "conll")


def annotation_records(path: str | Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``("<file>:<line>", record)`` for each line of an annotation file; a line that is not a JSON object, or a
    file without any, is an error naming it."""
    path, found = Path(path), False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path}:{n}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{where}: not a JSON record ({err})") from err
        if not isinstance(record, dict):
            raise ValueError(f"{where}: not a JSON object")
        found = True
        yield where, record
    if not found:
        raise ValueError(f"{path}: no annotation records")


class LocatedTexts:
    """Reads located texts from one data root, each file once."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self._lines: dict[str, list[str]] = {}

    def _file_lines(self, relative: str, where: str) -> list[str]:
        if relative not in self._lines:
            path = self.data_dir / relative
            if not path.is_file():
                raise FileNotFoundError(f"{where}: path {relative!r} is not a file under the data root "
                                        f"{self.data_dir}")
            lines = path.read_text(encoding="utf-8").split("\n")
            if lines[-1] == "":
                lines.pop()  # the final newline ends the last line
            self._lines[relative] = [line.removesuffix("\r") for line in lines]
        return self._lines[relative]

    def text(self, record: dict[str, Any], where: str) -> str:
        """The text ``record`` locates, checked against its ``sha1``; ``where`` names the record in errors."""
        for key, kind in (("path", str), ("line", int), ("sha1", str)):
            if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
                raise ValueError(f"{where}: field {key!r} must be a {kind.__name__}, got {record.get(key)!r}")
        given = [key for key in LOCATION_KEYS if key in record]
        if len(given) != 1:
            raise ValueError(f"{where}: give exactly one of {', '.join(map(repr, LOCATION_KEYS))}, got {given}")
        lines = self._file_lines(record["path"], where)
        source = f"{self.data_dir / record['path']}:{record['line']}"
        if not 1 <= record["line"] <= len(lines):
            raise ValueError(f"{where}: field 'line' {record['line']} is outside {record['path']} "
                             f"({len(lines)} lines)")
        text = self._read(record, given[0], lines, source, where)
        if hashlib.sha1(text.encode("utf-8")).hexdigest() != record["sha1"]:
            raise ValueError(f"{where}: field sha1 does not match the text at {record['path']}:{record['line']} "
                             "(the data changed; re-check the annotation)")
        return text

    @staticmethod
    def _read(record: dict[str, Any], key: str, lines: list[str], source: str, where: str) -> str:
        line = lines[record["line"] - 1]
        if key == "field":
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{where}: {source} is not a JSON line ({err})") from err
            if not isinstance(row, dict) or not isinstance(row.get(record["field"]), str):
                raise ValueError(f"{where}: {source} has no field {record['field']!r} holding a text")
            return row[record["field"]]
        if key == "column":
            cells, column = line.split("\t"), record["column"]
            if not isinstance(column, int) or isinstance(column, bool) or not 0 <= column < len(cells):
                raise ValueError(f"{where}: field 'column' {column!r} is outside {source} ({len(cells)} columns)")
            return cells[column]
        if record["conll"] is not True:
            raise ValueError(f"{where}: field 'conll' must be true, got {record['conll']!r}")
        if not line.strip() or (record["line"] > 1 and lines[record["line"] - 2].strip()):
            raise ValueError(f"{where}: {source} does not start a CoNLL sentence")
        tokens = []
        for row in lines[record["line"] - 1:]:
            if not row.strip():
                break
            tokens.append(row.split()[0])
        return " ".join(tokens)
