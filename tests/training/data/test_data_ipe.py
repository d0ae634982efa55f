import collections
import json

import pytest

from training.data import ipe

LABELS = ["KILL", "ARREST", "FAIL", "FORCE", "ANY_ACTION"]
DOCS = [
    {"doc_id": 1, "doc_text": "police arrested two.", "doc_labels": ["ANY_ACTION", "ARREST"]},
    {"doc_id": 2, "doc_text": "a quiet day.", "doc_labels": []},
    {"doc_id": 3, "doc_text": "police fired.", "doc_labels": ["FORCE"]},
]
SENTS = [
    {"doc_id": 1, "sent_id": 0, "sent_labels": ["ARREST"], "sent_text": "police arrested two."},
    {"doc_id": 2, "sent_id": 0, "sent_labels": [], "sent_text": "a quiet day."},
    {"doc_id": 2, "sent_id": 1, "sent_labels": [], "sent_text": "nothing else."},
]


def jsonl(records):
    return "".join(json.dumps(r) + "\n" for r in records)


def read(source, cfg):
    stats = collections.Counter()
    return ipe.read(source, cfg, stats), stats


@pytest.fixture
def cfg(make_cfg):
    return lambda level: make_cfg(task="multi_label", reader="ipe", options={"level": level}, labels=LABELS)


@pytest.fixture
def split_file(write):
    return write("splits.json", json.dumps({"train": [1, 3], "dev": [2]}))


def test_docs_of_a_split(write, cfg, split_file):
    source = {"path": write("docs.jsonl", jsonl(DOCS)), "split_file": split_file, "split": "train"}
    examples, stats = read(source, cfg("doc"))
    assert examples == [
        {"id": "1", "text": "police arrested two.", "labels": ["ARREST", "ANY_ACTION"]},
        {"id": "3", "text": "police fired.", "labels": ["FORCE"]},
    ]
    assert stats["not_in_split"] == 1


def test_sentences_of_a_split(write, cfg, split_file):
    source = {"path": write("sents.jsonl", jsonl(SENTS)), "split_file": split_file, "split": "dev"}
    examples, _ = read(source, cfg("sent"))
    assert [(e["id"], e["labels"]) for e in examples] == [("2-0", []), ("2-1", [])]


def test_without_split_file_every_line_is_read(write, cfg):
    examples, _ = read({"path": write("docs.jsonl", jsonl(DOCS))}, cfg("doc"))
    assert [e["id"] for e in examples] == ["1", "2", "3"]


def test_split_id_missing_from_file(write, cfg, split_file, raises_at):
    source = {"path": write("docs.jsonl", jsonl(DOCS[:2])), "split_file": split_file, "split": "train"}
    with raises_at(split_file, None, r"not in .*docs.jsonl: \['3'\]"):
        read(source, cfg("doc"))


def test_bad_json_line(write, cfg, raises_at):
    path = write("docs.jsonl", jsonl(DOCS[:1]) + '{"doc_id": 2,\n')
    with raises_at(path, 2, "invalid JSON"):
        read({"path": path}, cfg("doc"))


def test_unknown_label(write, cfg, raises_at):
    path = write("docs.jsonl", jsonl([*DOCS[:2], {**DOCS[2], "doc_labels": ["RIOT"]}]))
    with raises_at(path, 3, "unknown label 'RIOT'"):
        read({"path": path}, cfg("doc"))


def test_missing_field(write, cfg, raises_at):
    path = write("sents.jsonl", jsonl([SENTS[0], {"doc_id": 2, "sent_id": 0, "sent_text": "x"}]))
    with raises_at(path, 2, "missing field 'sent_labels'"):
        read({"path": path}, cfg("sent"))


def test_empty_text(write, cfg, raises_at):
    path = write("docs.jsonl", jsonl([{**DOCS[0], "doc_text": "  "}]))
    with raises_at(path, 1, "empty text"):
        read({"path": path}, cfg("doc"))


DOC_TEXT = "police fired. a calm day. police arrested two."
SPAN_DOCS = [{"doc_id": 7, "doc_text": DOC_TEXT, "doc_labels": ["ARREST", "FORCE"]},
             {"doc_id": 8, "doc_text": "nothing.", "doc_labels": []}]
SPAN_SENTS = [
    {"doc_id": 7, "sent_id": 2, "sent_labels": ["ARREST"], "sent_text": "police arrested two."},
    {"doc_id": 7, "sent_id": 0, "sent_labels": ["FORCE"], "sent_text": "police fired."},
    {"doc_id": 7, "sent_id": 1, "sent_labels": [], "sent_text": "a calm day."},
    {"doc_id": 8, "sent_id": 0, "sent_labels": [], "sent_text": "nothing."},
]


def test_sentences_give_documents_label_spans_at_their_offsets(write, cfg):
    source = {"path": write("docs.jsonl", jsonl(SPAN_DOCS)), "sentences": write("sents.jsonl", jsonl(SPAN_SENTS))}
    examples, stats = read(source, cfg("doc"))
    assert examples[0]["label_spans"] == [{"start": 0, "end": 13, "labels": ["FORCE"]},
                                          {"start": 26, "end": 46, "labels": ["ARREST"]}]
    assert examples[1]["label_spans"] == []
    assert stats["labelled_sentences"] == 2


def test_a_sentence_not_found_in_its_document(write, cfg, raises_at):
    sents = [*SPAN_SENTS[:3], {**SPAN_SENTS[3], "sent_text": "something."}]
    path = write("sents.jsonl", jsonl(sents))
    with raises_at(path, 4, "sentence of doc 8 not found"):
        read({"path": write("docs.jsonl", jsonl(SPAN_DOCS)), "sentences": path}, cfg("doc"))


def test_document_labels_must_be_the_union_of_its_sentence_labels(write, cfg, raises_at):
    docs = write("docs.jsonl", jsonl([{**SPAN_DOCS[0], "doc_labels": ["KILL", "ARREST", "FORCE"]}, SPAN_DOCS[1]]))
    with raises_at(docs, None, r"doc 7: labels .* not the union of its sentences' labels \['ARREST', 'FORCE'\]"):
        read({"path": docs, "sentences": write("sents.jsonl", jsonl(SPAN_SENTS))}, cfg("doc"))


def test_sentence_spans_need_the_document_level(write, cfg):
    source = {"path": write("sents.jsonl", jsonl(SENTS)), "sentences": write("s2.jsonl", jsonl(SENTS))}
    with pytest.raises(ValueError, match="options.level: doc"):
        read(source, cfg("sent"))
