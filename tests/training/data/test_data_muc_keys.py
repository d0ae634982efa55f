import collections
import json

import pytest

from training.data import muc_keys
from training.data.base import DataFormatError

LABELS = ["ATTACK", "BOMBING", "KIDNAPPING", "ARSON", "ROBBERY", "FORCED WORK STOPPAGE"]
KEY = """;;; gk converted murder 1 to attack

0.  MESSAGE: ID                     DEV-MUC3-0001 (NCCOSC)
1.  MESSAGE: TEMPLATE               1
2.  INCIDENT: DATE                  30 DEC 89
4.  INCIDENT: TYPE                  KIDNAPPING
6.  INCIDENT: INSTRUMENT ID         "MORTAR"
                                    "RIFLE"

0.  MESSAGE: ID                     DEV-MUC3-0001 (NCCOSC)
1.  MESSAGE: TEMPLATE               2 (OPTIONAL)
4.  INCIDENT: TYPE                  ? ATTACK  \n
0.  MESSAGE: ID                     DEV-MUC3-0002 (SYNCHRONETICS/UMD
1.  MESSAGE: TEMPLATE               *
4.  INCIDENT: TYPE                  *

0.  MESSAGE: ID                     DEV-MUC3-0003
1.  MESSAGE: TEMPLATE               1
4.  INCIDENT: TYPE                  BOMBING / ATTACK
"""
OTHER_KEY = """0.  MESSAGE: ID                     DEV-MUC3-0101 (GE)
1.  MESSAGE: TEMPLATE               *
4.  INCIDENT: TYPE                  *
"""


def grit(*docids):
    return "".join(json.dumps({"docid": d, "doctext": f"text of {d}", "extracts": {}}) + "\n" for d in docids)


def read(source, cfg):
    stats = collections.Counter()
    return muc_keys.read(source, cfg, stats), stats


@pytest.fixture
def cfg(make_cfg):
    return make_cfg(task="multi_label", reader="muc_keys", labels=LABELS)


@pytest.fixture
def keys(write, tmp_path):
    write("key-dev-0001.muc4", KEY)
    write("key-dev-0101.muc4", OTHER_KEY)
    return [str(tmp_path / "key-dev-*.muc4")]


def test_labels_from_keys(write, cfg, keys):
    path = write("train.json", grit("DEV-MUC3-0001", "DEV-MUC3-0002", "DEV-MUC3-0003"))
    examples, stats = read({"path": path, "keys": keys}, cfg)
    assert [(e["id"], e["labels"]) for e in examples] == [
        ("DEV-MUC3-0001", ["ATTACK", "KIDNAPPING"]),
        ("DEV-MUC3-0002", []),
        ("DEV-MUC3-0003", ["ATTACK", "BOMBING"]),
    ]
    assert examples[0]["text"] == "text of DEV-MUC3-0001"
    assert stats == {"ambiguous_types": 1, "possible_types": 1, "optional_templates": 1, "keys_without_doc": 1}


def test_doc_without_key(write, cfg, keys, raises_at):
    path = write("train.json", grit("DEV-MUC3-0001", "DEV-MUC3-0004"))
    with raises_at(path, 2, "DEV-MUC3-0004: no entry"):
        read({"path": path, "keys": keys}, cfg)


@pytest.mark.parametrize(
    "old, new, line, match",
    [
        ("KIDNAPPING", "MURDER", 6, "unknown incident type 'MURDER'"),
        ("4.  INCIDENT: TYPE                  BOMBING / ATTACK", "", 18, "no INCIDENT: TYPE"),
        ("1.  MESSAGE: TEMPLATE               *", "1.  MESSAGE: TEMPLATE               x", 15, "template"),
        ("4.  INCIDENT: TYPE                  *", "4.  INCIDENT: TYPE                  ARSON", 16, "irrelevant"),
        ("4.  INCIDENT: TYPE                  KIDNAPPING", "4.  INCIDENT: STAGE", 6, "INCIDENT: TYPE"),
    ],
)
def test_malformed_key_file(write, cfg, raises_at, old, new, line, match):
    key = write("key.muc4", KEY.replace(old, new))
    path = write("train.json", grit("DEV-MUC3-0001"))
    with raises_at(key, line, match):
        read({"path": path, "keys": [key]}, cfg)


def test_no_key_file_matches(write, cfg, tmp_path):
    path = write("train.json", grit("DEV-MUC3-0001"))
    with pytest.raises(DataFormatError, match="no key file matches"):
        read({"path": path, "keys": [str(tmp_path / "nothing-*.muc4")]}, cfg)
