import collections

import pytest

from training.data import conll
from training.data.base import DataFormatError

TYPES = ["ORG", "PER"]


def read(path, cfg):
    stats = collections.Counter()
    return conll.read({"path": path}, cfg, stats), stats


@pytest.fixture
def tab_cfg(make_cfg):
    return make_cfg(options={"delimiter": "\t", "repair_bio": False}, entity_types=TYPES)


def test_tab_crlf_file(write, tab_cfg):
    # CRLF, a token with a space, an invisible token (U+200E), two trailing blank lines before the
    # last sentence and no line ending after it.
    path = write(
        "train.txt",
        "New York\tB-ORG\r\nTimes\tI-ORG\r\n\u200e\tO\r\nsaid\tO\r\n\r\n\r\n\r\nBob\tB-PER\r\n.\tO",
    )
    examples, stats = read(path, tab_cfg)
    assert examples == [
        {"id": "train.txt:1", "tokens": ["New York", "Times", "\u200e", "said"], "tags": ["B-ORG", "I-ORG", "O", "O"]},
        {"id": "train.txt:8", "tokens": ["Bob", "."], "tags": ["B-PER", "O"]},
    ]
    assert stats["invisible_tokens"] == 1


def test_space_lf_file_with_trailing_blank_lines(write, make_cfg):
    path = write("ner.txt", "a B-PER\nb I-PER\n\nc O\n\n\n")
    cfg = make_cfg(options={"delimiter": " ", "repair_bio": False}, entity_types=TYPES)
    examples, _ = read(path, cfg)
    assert [e["tokens"] for e in examples] == [["a", "b"], ["c"]]
    assert [e["id"] for e in examples] == ["ner.txt:1", "ner.txt:4"]


def test_split_on_last_delimiter(write, make_cfg):
    path = write("ner.txt", "10 000 B-ORG\n")
    examples, _ = read(path, make_cfg(options={"delimiter": " "}, entity_types=TYPES))
    assert examples[0]["tokens"] == ["10 000"]


def test_missing_column(write, tab_cfg, raises_at):
    path = write("train.txt", "a\tO\r\n\r\nb O\r\n")
    with raises_at(path, 3, "columns"):
        read(path, tab_cfg)


def test_unknown_tag(write, tab_cfg, raises_at):
    path = write("train.txt", "a\tO\nb\tB-LOC\n")
    with raises_at(path, 2, "unknown tag"):
        read(path, tab_cfg)


@pytest.mark.parametrize(
    "content, line",
    [
        ("a\tO\nb\tI-ORG\n", 2),  # I- after O
        ("a\tO\n\nb\tI-ORG\n", 3),  # I- at sentence start
        ("a\tB-PER\nb\tI-ORG\n", 2),  # I- after another type
    ],
)
def test_invalid_iob_raises(write, tab_cfg, raises_at, content, line):
    path = write("train.txt", content)
    with raises_at(path, line, "IOB2"):
        read(path, tab_cfg)


def test_invalid_iob_repaired_and_counted(write, make_cfg):
    path = write("train.txt", "a\tI-ORG\nb\tI-ORG\nc\tB-PER\nd\tI-ORG\n")
    cfg = make_cfg(options={"delimiter": "\t", "repair_bio": True}, entity_types=TYPES)
    examples, stats = read(path, cfg)
    assert examples[0]["tags"] == ["B-ORG", "I-ORG", "B-PER", "B-ORG"]
    assert stats["bio_repairs"] == 2


def test_empty_and_missing_file(write, tab_cfg, tmp_path):
    with pytest.raises(DataFormatError, match="empty"):
        read(write("train.txt", ""), tab_cfg)
    with pytest.raises(DataFormatError, match="not found"):
        read(str(tmp_path / "nope.txt"), tab_cfg)


def test_not_utf8(write, tab_cfg, raises_at):
    path = write("train.txt", b"a\tO\n\xff\tO\n")
    with raises_at(path, 2, "UTF-8"):
        read(path, tab_cfg)
