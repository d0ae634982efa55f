import collections
import json

import pytest

from training.data import grit_roles

ROLES = ["PerpInd", "PerpOrg", "Target", "Victim", "Weapon"]
TEXT = "terrorists burned the parson's house. arson by the fmln group, the fmln said. carlos saw a car bomb."


def extracts(**roles):
    return {role: roles.get(role, []) for role in ROLES}


DOC = {
    "docid": "DEV-MUC3-0001",
    "doctext": TEXT,
    "extracts": extracts(
        PerpInd=[[["terrorist", 0]]],  # inside "terrorists": extended to the whole word
        PerpOrg=[[["fmln group", TEXT.index("fmln group")], ["fmln", TEXT.index("fmln")]]],
        Target=[[["car", TEXT.index("car")]]],  # GRIT's first offset is inside "carlos"
        Weapon=[[["arson", TEXT.index(" arson") + 1]], [["car bomb", TEXT.index("car bomb")]]],
    ),
}
TIE = {
    "docid": "DEV-MUC3-0002",
    "doctext": "guerrillas attacked.",
    "extracts": extracts(Victim=[[["guerrillas", 0]]], PerpInd=[[["guerrillas", 0]]]),
}


def jsonl(records):
    return "".join(json.dumps(r) + "\n" for r in records)


def read(path, cfg):
    stats = collections.Counter()
    return grit_roles.read({"path": path}, cfg, stats), stats


@pytest.fixture
def cfg(make_cfg):
    return make_cfg(reader="grit_roles", entity_types=ROLES)


def test_mentions_projected_on_words(write, cfg):
    examples, stats = read(write("train.json", jsonl([DOC, TIE])), cfg)
    doc, tie = examples
    assert doc["id"] == "DEV-MUC3-0001"
    tagged = {
        (i, token, tag) for i, (token, tag) in enumerate(zip(doc["tokens"], doc["tags"], strict=True)) if tag != "O"
    }
    assert doc["tokens"][3:5] == ["parson", "'s"]
    assert tagged == {
        (0, "terrorists", "B-PerpInd"),
        (7, "arson", "B-Weapon"),  # but not inside "parson"
        (10, "fmln", "B-PerpOrg"),
        (11, "group", "I-PerpOrg"),
        (14, "fmln", "B-PerpOrg"),
        (20, "car", "B-Weapon"),  # "car bomb" (Weapon) is longer than "car" (Target)
        (21, "bomb", "I-Weapon"),
    }
    assert tie["tags"] == ["B-PerpInd", "O", "O"]  # same span: PerpInd comes before Victim
    assert stats == {
        "mention_occurrences": 8,
        "mentions_extended": 1,
        "offsets_inside_word": 1,
        "overlapping_mentions_resolved": 3,
    }


def test_offset_mismatch(write, cfg, raises_at):
    bad = {**TIE, "docid": "DEV-MUC3-0009", "extracts": extracts(Weapon=[[["bomb", 3]]])}
    path = write("dev.json", jsonl([DOC, bad]))
    with raises_at(path, 2, "DEV-MUC3-0009: Weapon mention 'bomb' is not at offset 3"):
        read(path, cfg)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"extracts": {"Arsonist": []}}, "unknown role"),
        ({"extracts": extracts(Victim=[[["x"]]])}, "not \\[text, offset\\]"),
        ({"doctext": " "}, "empty doctext"),
        ({"extracts": None}, "extracts"),
    ],
)
def test_malformed_documents(write, cfg, raises_at, change, match):
    path = write("dev.json", jsonl([TIE, {**TIE, "docid": "X", **change}]))
    with raises_at(path, 2, match):
        read(path, cfg)
