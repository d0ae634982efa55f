import datasets
import pytest

from training.data import READERS, carve, label_list, load_splits, read_file
from training.data.base import DataFormatError

TYPES = ["Organisation", "Person", "Weapon"]


def conll(n):
    """``n`` one-token sentences, cycling through the tags."""
    tags = ["B-Organisation", "B-Person", "B-Weapon", "O"]
    return "".join(f"w{i}\t{tags[i % 4]}\r\n\r\n" for i in range(n))


@pytest.fixture
def token_cfg(make_cfg):
    def make(path, **fields):
        return make_cfg(
            options={"delimiter": "\t", "repair_bio": False},
            entity_types=TYPES,
            train={"path": path},
            dev_carve={"fraction": 0.15, "seed": 13},
            **fields,
        )

    return make


def test_readers_registered():
    assert set(READERS) == {"acled_bridges", "case_tsv", "conll", "tsv_class", "ipe", "grit_roles", "muc_keys",
                            "scored_jsonl", "event_anchors"}


def test_dev_carve_is_a_deterministic_partition(write, token_cfg):
    path = write("train.txt", conll(40))
    data = load_splits(token_cfg(path))
    train, dev = list(data.splits["train"]["id"]), list(data.splits["dev"]["id"])
    assert len(dev) == 6 and len(train) == 34
    every = [f"train.txt:{1 + 2 * i}" for i in range(40)]
    assert sorted(train + dev, key=every.index) == every  # each example exactly once
    assert train == sorted(train, key=every.index) and dev == sorted(dev, key=every.index)
    assert list(load_splits(token_cfg(path)).splits["dev"]["id"]) == dev
    other_name = write("copy.txt", conll(40))
    assert [i.replace("copy", "train") for i in load_splits(token_cfg(other_name)).splits["dev"]["id"]] == dev
    assert data.stats == {"train.examples": 34, "train.invisible_tokens": 0, "dev.examples": 6}
    assert data.sources == {"train": path, "dev": path}


def test_carve_depends_on_the_seed():
    examples = [{"id": str(i)} for i in range(100)]
    assert carve(examples, 0.2, 1)[1] != carve(examples, 0.2, 2)[1]
    with pytest.raises(ValueError):
        carve(examples[:3], 0.1, 1)


def test_label_map_maps_and_counts(write, token_cfg):
    train = write("train.txt", "A\tB-Organisation\nB\tI-Organisation\nC\tB-Weapon\nD\tI-Weapon\nE\tB-Person\n")
    dev = write("dev.txt", "F\tB-Weapon\n")
    cfg = token_cfg(train, dev={"path": dev}, labels=["ORG", "PER"], label_map={"Organisation": "ORG", "Person": "PER"})
    data = load_splits(cfg)
    assert data.splits["train"][0]["tags"] == ["B-ORG", "I-ORG", "O", "O", "B-PER"]
    assert data.stats["train.mapped_to_O"] == 2 and data.stats["dev.mapped_to_O"] == 1
    assert label_list(cfg) == ["O", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    assert data.splits["train"].features == datasets.Features(
        {
            "id": datasets.Value("string"),
            "tokens": datasets.Sequence(datasets.Value("string")),
            "tags": datasets.Sequence(datasets.Value("string")),
        }
    )


def test_label_map_with_unknown_type(write, token_cfg):
    cfg = token_cfg(write("train.txt", conll(10)), labels=["ORG"], label_map={"Org": "ORG"})
    with pytest.raises(ValueError, match="Org"):
        load_splits(cfg)


def test_label_list(make_cfg):
    assert label_list(make_cfg(entity_types=["S", "T"])) == ["O", "B-S", "I-S", "B-T", "I-T"]
    assert label_list(make_cfg(task="single_label", labels=["a", "b"])) == ["a", "b"]


def test_empty_tokens_are_kept(write, token_cfg):
    data = load_splits(token_cfg(write("train.txt", "\u200b\tO\r\n\tO\r\nx\tB-Person\r\n\r\n" + conll(9))))
    every = list(data.splits["train"]["tokens"]) + list(data.splits["dev"]["tokens"])
    assert ["\u200b", "", "x"] in every
    assert data.stats["train.invisible_tokens"] == 2


def test_read_file_text_task(write, make_cfg):
    cfg = make_cfg(task="single_label", reader="tsv_class", labels=["a", "b"])
    examples, stats = read_file(cfg, write("test.tsv", "one\t0\ntwo\t1\n"))
    assert [e["labels"] for e in examples] == [["a"], ["b"]]
    assert stats == {"csv_unquoted": 0, "examples": 2}


def test_repeated_ids_and_no_examples_are_errors(write, make_cfg):
    cfg = make_cfg(task="multi_label", reader="ipe", options={"level": "doc"}, labels=["KILL"])
    line = '{"doc_id": 7, "doc_text": "x", "doc_labels": []}\n'
    with pytest.raises(DataFormatError, match="repeated example ids"):
        read_file(cfg, write("docs.jsonl", line * 2))
    with pytest.raises(DataFormatError, match="no examples"):
        read_file(cfg, write("blank.jsonl", "\n\n"))
