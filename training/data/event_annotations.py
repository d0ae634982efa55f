"""The team's real-news ACLED event annotations (``resources/acled/realnews-v1``, see its DATA_CARD.md).

A record is a located text (``training.data.located``) with ``id``, the ``start``/``end`` of the annotated span
(a sentence, or a whole article) and its ``events``: ``[start, end, label, anchor]`` with offsets into that span,
and for articles a fifth item, the number of the real-world event the mention reports (mentions of one event share
it). Labels are those of ``resources/acled/labels-v1.yaml`` (sub-event types and non-ACLED labels).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from training.data.located import LocatedTexts, annotation_records


@dataclass(frozen=True)
class AnnotatedText:
    id: str
    source: str  # "<data file>:<line>"
    text: str  # the annotated span
    events: tuple[tuple[int, int, str, int], ...]  # (start, end, label, event number; 0 on sentences)


def read_annotations(path: str | Path, data_dir: str | Path, labels: Iterable[str]) -> list[AnnotatedText]:
    """The annotated spans of one file, each checked: its text against ``sha1``, each anchor against the text,
    each label against ``labels``. Errors name the file and line."""
    known, texts = set(labels), LocatedTexts(data_dir)
    out, ids = [], set()
    for where, record in annotation_records(path):
        if not isinstance(record.get("id"), str):
            raise ValueError(f"{where}: field 'id' must be a string, got {record.get('id')!r}")
        if record["id"] in ids:
            raise ValueError(f"{where}: id {record['id']!r} repeated")
        ids.add(record["id"])
        full = texts.text(record, where)
        start, end = record.get("start"), record.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(full)):
            raise ValueError(f"{where}: start/end {start!r}, {end!r} are not a span of the text ({len(full)} "
                             "characters)")
        text = full[start:end]
        out.append(AnnotatedText(record["id"], f"{record['path']}:{record['line']}", text,
                                 tuple(_events(record.get("events"), text, known, where))))
    return out


def _events(events: object, text: str, known: set[str], where: str) -> list[tuple[int, int, str, int]]:
    if not isinstance(events, list):
        raise ValueError(f"{where}: field 'events' must be a list")
    out = []
    for k, event in enumerate(events):
        if not (isinstance(event, list) and len(event) in (4, 5)):
            raise ValueError(f"{where}: events[{k}] is {event!r}, not [start, end, label, anchor(, event)]")
        start, end, label, anchor = event[:4]
        number = event[4] if len(event) == 5 else 0
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise ValueError(f"{where}: events[{k}] offsets [{start!r}, {end!r}) are not a span of the text")
        if text[start:end] != anchor:
            raise ValueError(f"{where}: events[{k}] [{start}, {end}) reads {text[start:end]!r}, not {anchor!r}")
        if label not in known:
            raise ValueError(f"{where}: events[{k}] has label {label!r}, not one of the label file's labels")
        if not isinstance(number, int):
            raise ValueError(f"{where}: events[{k}] event number {number!r} is not an integer")
        out.append((start, end, label, number))
    return sorted(out)
