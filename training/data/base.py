"""The common form every reader produces, and the errors readers raise.

Token examples: ``{"id": str, "tokens": list[str], "tags": list[str]}`` (IOB2 tags, strings).
Text examples: ``{"id": str, "text": str, "labels": list[str]}`` (one label for single-label tasks).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from inference.spans import split_words
from inference.text_checks import surrogate_problem

Example = dict[str, Any]


class DataFormatError(ValueError):
    """Malformed input; the message names the file and, where there is one, the line."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


def require_file(path: str | Path) -> Path:
    """Return ``path`` as a Path, raising a DataFormatError if it is missing or empty."""
    p = Path(path)
    if not p.is_file():
        raise DataFormatError(p, "file not found")
    if p.stat().st_size == 0:
        raise DataFormatError(p, "file is empty")
    return p


def iter_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, line)`` for a UTF-8 file, 1-based, without the LF or CRLF ending.

    Lines are split on LF only (not on other Unicode line breaks), so line numbers match ``grep -n``.
    """
    with require_file(path).open("rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DataFormatError(path, f"not UTF-8 ({e.reason})", number) from None
            yield number, line.removesuffix("\n").removesuffix("\r")


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line of a JSON Lines file; a string that is not valid
    Unicode text (an unpaired surrogate from a ``\\ud800`` escape) is an error naming its field."""
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataFormatError(path, f"invalid JSON ({e.msg})", number) from None
        if not isinstance(record, dict):
            raise DataFormatError(path, "expected a JSON object", number)
        if "\\ud" in line.lower():  # only a \uXXXX escape can put a lone surrogate in a decoded line
            for key, value in record.items():
                for string in (key, *_strings(value)):
                    if problem := surrogate_problem(string):
                        raise DataFormatError(path, f"field {key!r}: {problem}", number)
        yield number, record


def _strings(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def write_jsonl(path: str | Path, records: Iterable[Mapping[str, Any]]) -> None:
    """Write one JSON object per line (UTF-8, non-ASCII kept), creating the folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def get_field(record: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: str | Path, line: int) -> Any:
    """Return ``record[key]``, raising a DataFormatError if it is missing or not of type ``kind``."""
    if key not in record:
        raise DataFormatError(path, f"missing field {key!r}", line)
    value = record[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DataFormatError(path, f"field {key!r} has type {type(value).__name__}", line)
    return value


def text_example(
    example_id: str, text: str, labels: Iterable[str], allowed: Sequence[str], path: str | Path, line: int
) -> Example:
    """Build a text example, checking that the text is not blank and every label is known and unique.

    Labels are returned in the order of ``allowed``.
    """
    labels = list(labels)
    if not text.strip():
        raise DataFormatError(path, f"{example_id}: empty text", line)
    for label in labels:
        if label not in allowed:
            raise DataFormatError(path, f"{example_id}: unknown label {label!r}", line)
    if len(set(labels)) != len(labels):
        raise DataFormatError(path, f"{example_id}: repeated label in {labels}", line)
    return {"id": example_id, "text": text, "labels": [label for label in allowed if label in labels]}


def invalid_iob(tags: Sequence[str]) -> Iterator[int]:
    """Yield the index of every ``I-X`` tag that does not continue an ``X`` entity (IOB2)."""
    previous = "O"
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            yield i
        previous = tag


def word_tags(text: str, spans: Iterable[tuple[int, int, str]], skip_overlaps: bool = False,
              ) -> tuple[list[str], list[str]]:
    """The words of ``text`` (``split_words``, as the predictor reads them) with IOB2 tags from character spans
    ``(start, end, label)``: a word is inside a span when it overlaps it. A word carries one tag, so two spans that
    share a word are a ValueError, or with ``skip_overlaps`` the later one (in text order) is left out (spaCy can
    find "US" and "Mexico" in the one word "US-Mexico")."""
    words = split_words(text)
    tags = ["O"] * len(words)
    for start, end, label in sorted(spans):
        inside = [i for i, (s, e) in enumerate(words) if s < end and start < e]
        if any(tags[i] != "O" for i in inside):
            if skip_overlaps:
                continue
            raise ValueError(f"spans overlap on the word {text[words[inside[0]][0]:words[inside[-1]][1]]!r}")
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + label
    return [text[s:e] for s, e in words], tags
