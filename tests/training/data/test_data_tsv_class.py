import collections

import pytest

from training.data import tsv_class

CAMEO_LABELS = ["make_statement", "verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict"]


def read(path, cfg):
    stats = collections.Counter()
    return tsv_class.read({"path": path}, cfg, stats), stats


@pytest.fixture
def single_cfg(make_cfg):
    return make_cfg(task="single_label", reader="tsv_class", labels=CAMEO_LABELS)


@pytest.fixture
def multi_cfg(make_cfg):
    return make_cfg(task="multi_label", reader="tsv_class", labels=["l1", "l2", "l3", "l4"])


def test_single_label_crlf_with_csv_quoting(write, single_cfg):
    path = write("train.tsv", 'A bomb killed two.\t4\r\n"He said ""no"" today."""\t0\r\n')
    examples, stats = read(path, single_cfg)
    assert examples == [
        {"id": "train.tsv:1", "text": "A bomb killed two.", "labels": ["material_conflict"]},
        {"id": "train.tsv:2", "text": 'He said "no" today."', "labels": ["make_statement"]},
    ]
    assert stats["csv_unquoted"] == 1


def test_multi_label_flags(write, multi_cfg):
    path = write("dev.tsv", "Shots fired.\t1\t0\t0\t1\nQuiet day.\t0\t0\t0\t0\n")
    examples, _ = read(path, multi_cfg)
    assert [e["labels"] for e in examples] == [["l1", "l4"], []]
    assert [e["id"] for e in examples] == ["dev.tsv:1", "dev.tsv:2"]


@pytest.mark.parametrize("task, content, line, match", [
    ("multi", "ok\t1\t0\t0\t0\nshort\t1\t0\n", 2, "columns"),
    ("single", "fine\t1\r\nbad\t5\r\n", 2, "label"),
    ("single", "fine\t1\r\nbad\t-1\r\n", 2, "label"),
    ("single", "fine\t1\r\nbad\tx\r\n", 2, "label"),
    ("single", "fine\t1\r\nbad\t\r\n", 2, "label"),
    ("multi", "x\t1\t0\t2\t0\n", 1, "flag"),
    ("single", "fine\t1\r\n \t2\r\n", 2, "empty text"),
    ("single", 'one\t0\r\n"two\t1\r\nthree\t2\r\nfour\t3\r\n', 2, "quoted field"),
    ("single", "", None, "empty"),
])
def test_malformed_input_names_file_and_line(write, single_cfg, multi_cfg, raises_at, task, content, line, match):
    path = write("train.tsv", content)
    with raises_at(path, line, match):
        read(path, single_cfg if task == "single" else multi_cfg)
