"""A token model's decoding (``TaskMeta.decoding``): what its entities are made of, and how its folder says so."""

import json

import numpy as np
import pytest

import inference.task_model as task_model
from inference.task_model import META_FILE, Decisions, TaskMeta, TaskModel, read_meta

TAGS = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]


class FixedProbs(Decisions):
    """Word probabilities that make argmax tag ``Idlib City`` as ``O I-LOC``."""

    def __init__(self, decoding: str) -> None:
        self.meta = TaskMeta("token", TAGS, 16, 4, decoding=decoding)

    def word_probs(self, words_batch):
        probs = np.array([[0.9, 0.05, 0.0, 0.05, 0.0], [0.45, 0.4, 0.05, 0.1, 0.0], [0.1, 0.05, 0.8, 0.05, 0.0]])
        return [probs[: len(words)] for words in words_batch]

    def text_probs(self, texts):
        raise NotImplementedError


def test_viterbi_entities_cover_the_span_argmax_splits():
    text = "in Idlib City"
    assert [(e["text"], e["label"]) for e in FixedProbs("viterbi").entities([text])[0]] == [("Idlib City", "LOC")]
    assert [(e["text"], e["label"]) for e in FixedProbs("argmax").entities([text])[0]] == [("City", "LOC")]


def test_an_argmax_folder_says_so_in_schema_4_and_older_code_refuses_it(tiny_model, tmp_path, monkeypatch):
    model, tokenizer = tiny_model("token", TAGS)
    default = TaskModel(model, tokenizer, TaskMeta("token", TAGS, 16, 4)).save(tmp_path / "viterbi")
    written = json.loads((default / META_FILE).read_text())
    assert written["schema_version"] == 1 and "decoding" not in written  # the default: older code still reads it
    assert read_meta(default).decoding == "viterbi"
    argmax = TaskModel(model, tokenizer, TaskMeta("token", TAGS, 16, 4, decoding="argmax")).save(tmp_path / "argmax")
    written = json.loads((argmax / META_FILE).read_text())
    assert written["schema_version"] == 4 and written["decoding"] == "argmax"
    assert TaskModel.load(argmax).meta.decoding == "argmax"
    monkeypatch.setattr(task_model, "MODEL_SCHEMA_VERSION", 3)  # code that always decoded with argmax
    with pytest.raises(ValueError, match="schema_version 4 is newer than this code"):
        read_meta(argmax)
    with pytest.raises(ValueError, match="decoding must be one of"):
        TaskMeta("token", TAGS, 16, 4, decoding="greedy")


def test_crf_transitions_need_schema_5_a_token_model_and_one_score_per_label_pair(tmp_path, monkeypatch):
    square = np.zeros((len(TAGS), len(TAGS))).tolist()
    meta = TaskMeta("token", TAGS, 16, 4, transitions=square)
    (tmp_path / "crf").mkdir()
    task_model.write_meta(tmp_path / "crf", meta)
    written = json.loads((tmp_path / "crf" / META_FILE).read_text())
    assert written["schema_version"] == 5 and written["transitions"] == square
    monkeypatch.setattr(task_model, "MODEL_SCHEMA_VERSION", 4)  # code that knows no transitions
    with pytest.raises(ValueError, match="schema_version 5 is newer than this code"):
        read_meta(tmp_path / "crf")
    with pytest.raises(ValueError, match="must be 5 x 5"):
        TaskMeta("token", TAGS, 16, 4, transitions=[[0.0] * 5] * 4)
    with pytest.raises(ValueError, match="transitions apply to token models only"):
        TaskMeta("single_label", TAGS, 16, 4, transitions=square)
