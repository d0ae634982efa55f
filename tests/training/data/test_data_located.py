"""Texts named by their place in the data root, as the team's annotation files name them."""

import hashlib

import pytest

from training.data.located import LocatedTexts

CONLL = "Rebels\tB-ORG\nattacked\tO\n\nTroops\tO\nfled\tO\n.\tO\n"


def record(**fields):
    text = "Troops fled ."
    return {"path": "dev.txt", "line": 4, "conll": True, "sha1": hashlib.sha1(text.encode()).hexdigest(), **fields}


def test_a_conll_sentence_is_its_tokens_joined_by_spaces(tmp_path):
    (tmp_path / "dev.txt").write_text(CONLL, encoding="utf-8")
    assert LocatedTexts(tmp_path).text(record(), "a.jsonl:1") == "Troops fled ."


@pytest.mark.parametrize("fields, message", [
    ({"line": 5}, r"a.jsonl:1: .*dev.txt:5 does not start a CoNLL sentence"),
    ({"line": 3}, r"a.jsonl:1: .*dev.txt:3 does not start a CoNLL sentence"),
    ({"conll": "yes"}, r"a.jsonl:1: field 'conll' must be true, got 'yes'"),
    ({"sha1": "0" * 40}, r"a.jsonl:1: field sha1 does not match the text at dev.txt:4"),
    ({"field": "t"}, r"a.jsonl:1: give exactly one of 'field', 'column', 'conll'"),
    ({"line": True}, r"a.jsonl:1: field 'line' must be a int, got True"),
])
def test_bad_locations_name_the_record_and_the_data_line(tmp_path, fields, message):
    (tmp_path / "dev.txt").write_text(CONLL, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        LocatedTexts(tmp_path).text(record(**fields), "a.jsonl:1")
