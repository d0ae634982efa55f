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


def test_wrong_column_count(write, multi_cfg, raises_at):
    path = write("dev.tsv", "ok\t1\t0\t0\t0\nshort\t1\t0\n")
    with raises_at(path, 2, "columns"):
        read(path, multi_cfg)


@pytest.mark.parametrize("label", ["5", "-1", "x", ""])
def test_label_out_of_range(write, single_cfg, raises_at, label):
    path = write("train.tsv", f"fine\t1\r\nbad\t{label}\r\n")
    with raises_at(path, 2, "label"):
        read(path, single_cfg)


def test_flag_not_binary(write, multi_cfg, raises_at):
    path = write("dev.tsv", "x\t1\t0\t2\t0\n")
    with raises_at(path, 1, "flag"):
        read(path, multi_cfg)


def test_empty_text(write, single_cfg, raises_at):
    path = write("train.tsv", "fine\t1\r\n \t2\r\n")
    with raises_at(path, 2, "empty text"):
        read(path, single_cfg)


def test_unbalanced_quote_does_not_merge_lines(write, single_cfg, raises_at):
    path = write("train.tsv", 'one\t0\r\n"two\t1\r\nthree\t2\r\nfour\t3\r\n')
    with raises_at(path, 2, "quoted field"):
        read(path, single_cfg)


def test_empty_file(write, single_cfg, raises_at):
    path = write("train.tsv", "")
    with raises_at(path, None, "empty"):
        read(path, single_cfg)
