"""The event-anchor reader: the team's real-news annotations as token examples."""

import collections
import hashlib
import json

import pytest

from training.data.base import DataFormatError
from training.data.event_anchors import read

TEXT = "Jets bombed Idlib and troops clashed with rebels."


def annotation_file(tmp_path, events, **fields):
    (tmp_path / "docs.jsonl").write_text(json.dumps({"t": TEXT}) + "\n", encoding="utf-8")
    record = {"id": "dev-0001", "path": "docs.jsonl", "line": 1, "field": "t",
              "sha1": hashlib.sha1(TEXT.encode()).hexdigest(), "start": 0, "end": len(TEXT), "events": events,
              **fields}
    path = tmp_path / "dev.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return {"path": str(path), "data_dir": str(tmp_path)}


def test_anchor_words_are_tagged_with_their_label(tmp_path, make_cfg):
    source = annotation_file(tmp_path, [[5, 17, "AIR_STRIKE", "bombed Idlib"], [29, 36, "ARMED_CLASH", "clashed"]])
    stats = collections.Counter()
    (example,) = read(source, make_cfg(entity_types=["AIR_STRIKE", "ARMED_CLASH"]), stats)
    assert example["id"] == "dev-0001"
    assert list(zip(example["tokens"], example["tags"]))[:6] == [
        ("Jets", "O"), ("bombed", "B-AIR_STRIKE"), ("Idlib", "I-AIR_STRIKE"), ("and", "O"), ("troops", "O"),
        ("clashed", "B-ARMED_CLASH")]
    assert stats["events"] == 2 and stats["texts_without_event"] == 0


@pytest.mark.parametrize("events, fields, message", [
    ([[5, 17, "AIR_STRIKE", "bombed Idlib"], [12, 20, "ARMED_CLASH", "Idlib an"]], {},
     r"dev.jsonl: dev-0001: spans overlap on the word 'Idlib and'"),
    ([[5, 17, "AIR_STRIKE", "bombed Idli"]], {}, r"dev.jsonl:1: events\[0\] \[5, 17\) reads 'bombed Idlib'"),
    ([[5, 11, "SHELLING", "bombed"]], {}, r"dev.jsonl:1: events\[0\] has label 'SHELLING'"),
    ([], {"end": 999}, r"dev.jsonl:1: start/end 0, 999 are not a span of the text"),
])
def test_bad_records_name_the_file_and_record(tmp_path, make_cfg, events, fields, message):
    source = annotation_file(tmp_path, events, **fields)
    with pytest.raises((DataFormatError, ValueError), match=message):
        read(source, make_cfg(entity_types=["AIR_STRIKE", "ARMED_CLASH"]), collections.Counter())
