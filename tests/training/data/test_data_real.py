"""Load every dataset config on the real data and check it against the data README's tables."""

import collections
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from training import config  # noqa: F401  (registers ${acled_labels:...})
from training.data import label_list, load_splits

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
EVALUATION_ONLY = {"case2021"}
GENERATED = {"re3d_seed_silver", "acled_distill"}  # written by training.jobs.silver and training.events.distill (tested
# in tests/training/test_silver.py and tests/training/events/test_distill.py), not in the data root
CONFIGS = sorted(p.stem for p in (PROJECT_ROOT / "conf" / "data").glob("*.yaml")
                 if p.stem not in EVALUATION_ONLY | GENERATED)

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=f"no data at {DATA_DIR}")


@pytest.fixture(scope="module")
def load():
    cache = {}

    def load(name):
        if name not in cache:
            data_cfg = OmegaConf.load(PROJECT_ROOT / "conf" / "data" / f"{name}.yaml")
            root = OmegaConf.create({"paths": {"data_dir": str(DATA_DIR), "root_dir": str(PROJECT_ROOT)},
                                     "data": data_cfg})
            cache[name] = root.data, load_splits(root.data)
        return cache[name]

    return load


def counts(split, task):
    """Entity counts (B- tags) of a token split, or label counts of a text split."""
    if task == "token":
        return collections.Counter(tag[2:] for tags in split["tags"] for tag in tags if tag.startswith("B-"))
    return collections.Counter(label for labels in split["labels"] for label in labels)


@pytest.mark.parametrize("name", CONFIGS)
def test_every_config_loads(load, name):
    cfg, data = load(name)
    assert set(data.splits) == {"train", "dev"}
    allowed = set(label_list(cfg))
    column = "tags" if cfg.task == "token" else "labels"
    for split in data.splits.values():
        assert {label for labels in split[column] for label in labels} <= allowed
        if cfg.task == "single_label":
            assert all(len(labels) == 1 for labels in split["labels"])


@pytest.mark.parametrize(
    "name, train, dev",
    [
        ("re3d", 574, 191),
        ("re3d_seed", 574, 191),
        ("satp", 1085, 232),
        ("ipe_docs", 905, 165),
        ("ipe_sents", 15458, 2901),
        ("muc_roles", 1300, 200),
        ("muc_types", 1300, 200),
        ("cameo_class", 1349 - 202, 202),
        ("cameo_ner", 1153 - 173, 173),
        ("acled_anchors", 2000, 500),
    ],
)
def test_split_sizes(load, name, train, dev):
    _, data = load(name)
    assert (len(data.splits["train"]), len(data.splits["dev"])) == (train, dev)


def test_re3d_entities(load):
    _, data = load("re3d")
    train = counts(data.splits["train"], "token")
    assert sum(train.values()) == 2021 and sum(counts(data.splits["dev"], "token").values()) == 697
    assert train == {
        "Organisation": 848, "Location": 478, "Person": 290, "Temporal": 132, "Quantity": 98,
        "Weapon": 60, "MilitaryPlatform": 30, "DocumentReference": 42, "Nationality": 25, "Money": 18,
    }  # fmt: skip
    assert sum(len(tokens) for tokens in data.splits["train"]["tokens"]) == 15072
    _, seed = load("re3d_seed")
    # the label map keeps every span of the five types; reconciliation (names only) then drops the counted ones
    dropped = {kind: seed.stats.get(f"train.reconcile.dropped_{kind}", 0) for kind in ("ORG", "LOC", "PER", "NORP")}
    mapped = {"ORG": 848, "LOC": 478, "PER": 290, "TIME": 132, "NORP": 25}
    assert counts(seed.splits["train"], "token") == {kind: n - dropped.get(kind, 0) for kind, n in mapped.items()}
    assert dropped["ORG"] > 0 and dropped["PER"] > 0


def test_cameo(load):
    _, data = load("cameo_class")
    both = counts(data.splits["train"], "text") + counts(data.splits["dev"], "text")
    assert [both[label] for label in load("cameo_class")[0].labels] == [240, 248, 303, 337, 221]
    _, ner = load("cameo_ner")
    entities = counts(ner.splits["train"], "token") + counts(ner.splits["dev"], "token")
    # 3 tags are I-S right after B-T; repaired to B-S they add 3 S entities to the README's 1,094.
    assert ner.stats["train.bio_repairs"] == 3
    assert entities == {"S": 1094 + 3, "T": 963, "R": 102}
    assert sum(len(t) for split in ner.splits.values() for t in split["tokens"]) == 28815


def test_satp(load):
    cfg, data = load("satp")
    for split, positives in [("train", [437, 419, 94, 277]), ("dev", [101, 90, 18, 53])]:
        assert [counts(data.splits[split], "text")[label] for label in cfg.labels] == positives
    assert collections.Counter(len(labels) for labels in data.splits["train"]["labels"]) == {1: 954, 2: 120, 3: 11}


@pytest.mark.parametrize(
    "name, split, positive, per_label",
    [
        ("ipe_docs", "train", 350, [39, 89, 80, 66, 314]),
        ("ipe_docs", "dev", 72, [7, 20, 18, 15, 69]),
        ("ipe_sents", "train", 1521, [70, 216, 146, 150, 1409]),
        ("ipe_sents", "dev", 382, [18, 41, 34, 46, 363]),
    ],
)
def test_ipe(load, name, split, positive, per_label):
    cfg, data = load(name)
    assert sum(1 for labels in data.splits[split]["labels"] if labels) == positive
    assert [counts(data.splits[split], "text")[label] for label in cfg.labels] == per_label


def test_muc_types(load):
    cfg, data = load("muc_types")
    train = data.splits["train"]["labels"]
    assert sum(1 for labels in train if labels) == 700
    assert sum(1 for labels in data.splits["dev"]["labels"] if labels) == 116
    assert [counts(data.splits["train"], "text")[label] for label in cfg.labels] == [479, 208, 83, 40, 14, 4]
    sizes = collections.Counter(len(labels) for labels in train)
    assert sizes[2] == 96 and sizes[3] + sizes[4] == 15
    assert data.stats["dev.ambiguous_types"] == 1 and data.stats["train.keys_without_doc"] == 0


def test_muc_roles(load):
    _, data = load("muc_roles")
    assert data.stats["train.offsets_inside_word"] > 0 and data.stats["train.mentions_extended"] > 0
    assert all(counts(split, "token")[role] > 0 for split in data.splits.values() for role in ["PerpInd", "Weapon"])


def test_evaluation_only_config_refuses_to_train():
    data_cfg = OmegaConf.load(PROJECT_ROOT / "conf" / "data" / "case2021.yaml")
    root = OmegaConf.create({"paths": {"root_dir": str(PROJECT_ROOT)}, "data": data_cfg})
    with pytest.raises(ValueError, match="case2021 has no training split"):
        load_splits(root.data)


def test_ipe_docs_train_with_sentence_labels(load):
    _, data = load("ipe_docs")
    assert data.stats["train.labelled_sentences"] == 1521
    spans = data.splits["train"]["label_spans"]
    assert sum(len(doc_spans) for doc_spans in spans) == 1521
    for doc, doc_spans in zip(data.splits["train"], spans):
        assert {label for span in doc_spans for label in span["labels"]} == set(doc["labels"])
    assert "label_spans" not in data.splits["dev"].column_names
