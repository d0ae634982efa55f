import collections
import json

import pytest

from training.data import scored_jsonl
from training.data.base import DataFormatError


@pytest.fixture
def scored_cfg(make_cfg):
    return make_cfg(task="single_label", reader="scored_jsonl", labels=["ARREST", "DIPLO", "NO_EVENT"])


def line(example_id="a", text="Police held him.", labels=("ARREST",), **extra) -> str:
    return json.dumps({"id": example_id, "text": text, "labels": list(labels), **extra}) + "\n"


def test_scores_come_in_label_order_and_are_counted(write, scored_cfg):
    path = write("train.jsonl", line(scores={"NO_EVENT": 0.2, "ARREST": 0.7, "DIPLO": 0.1}) + "\n"
                 + line("b", "They met.", ["DIPLO"], scores={"ARREST": 0, "DIPLO": 1, "NO_EVENT": 0}))
    stats = collections.Counter()
    examples = scored_jsonl.read({"path": path}, scored_cfg, stats)
    assert examples == [{"id": "a", "text": "Police held him.", "labels": ["ARREST"], "scores": [0.7, 0.1, 0.2]},
                        {"id": "b", "text": "They met.", "labels": ["DIPLO"], "scores": [0.0, 1.0, 0.0]}]
    assert stats["scored"] == 2


def test_records_without_scores_are_plain_text_examples(write, scored_cfg):
    path = write("dev.jsonl", line())
    assert scored_jsonl.read({"path": path}, scored_cfg, collections.Counter()) == [
        {"id": "a", "text": "Police held him.", "labels": ["ARREST"]}]


FULL = {"ARREST": 0.5, "DIPLO": 0.25, "NO_EVENT": 0.25}


@pytest.mark.parametrize("content, match, lineno", [
    (line(scores={"ARREST": 0.5, "DIPLO": 0.5}), r"missing \['NO_EVENT'\]", 1),
    (line(scores={**FULL, "RIOT": 0.0}), r"unknown \['RIOT'\]", 1),
    (line(scores={**FULL, "ARREST": 0.6}), "sum to 1.1000", 1),
    (line(scores={"ARREST": 1.5, "DIPLO": -0.25, "NO_EVENT": -0.25}), r"\['ARREST', 'DIPLO', 'NO_EVENT'\]", 1),
    (line(scores={**FULL, "ARREST": "0.5"}), r"\['ARREST'\] are not probabilities", 1),
    (line(scores=FULL) + line("b"), "some records have scores and some do not", 2),
    (line(scores=[0.5, 0.25, 0.25]), "field 'scores' has type list", 1),
    (line(labels=["RIOT"], scores=FULL), "unknown label 'RIOT'", 1),
    ('{"id": "a", "labels": ["ARREST"]}\n', "missing field 'text'", 1),
])
def test_errors_name_file_and_line(write, scored_cfg, raises_at, content, match, lineno):
    path = write("train.jsonl", content)
    with raises_at(path, lineno, match):
        scored_jsonl.read({"path": path}, scored_cfg, collections.Counter())


def test_an_unpaired_surrogate_escape_names_its_line_and_field(write, scored_cfg):
    path = write("train.jsonl", line("a", "\ud55c\uad6d police held him.")  # Hangul escapes (\\ud55c) are fine
                 + line("b", "Police \\ud800 held him.").replace("\\\\", "\\"))
    assert "\\ud800" in open(path).read()
    with pytest.raises(DataFormatError, match=r"train.jsonl:2: field 'text': unpaired surrogate U\+D800"):
        scored_jsonl.read({"path": path}, scored_cfg, collections.Counter())
