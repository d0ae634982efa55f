"""Silver labels: name trimming, spaCy's types in the seed schema, word tags, and the written training set."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from hydra import compose, initialize_config_dir

from tests.conftest import CONF_DIR
from training.data import load_splits
from training.data.base import word_tags
from training.jobs.silver import build, sample_sentences, silver_sentences, spacy_spans, trimmed

GOLD = "Rebels\tB-Organisation\nattacked\tO\nAleppo\tB-Location\n.\tO\n\nJohn\tB-Person\nKerry\tI-Person\nspoke\tO\n"
NAMES = {"Idlib": "GPE", "Monday": "DATE", "Free Army": "ORG", "Kabul": "GPE", "five": "CARDINAL"}


class FakeNLP:
    """Stands in for a spaCy pipeline: tags the strings of NAMES wherever they occur."""

    def pipe(self, texts):
        for text in texts:
            ents = [SimpleNamespace(start_char=m.start(), end_char=m.end(), label_=NAMES[m.group()])
                    for m in re.finditer("|".join(NAMES), text)]
            yield SimpleNamespace(text=text, ents=ents)


@pytest.mark.parametrize("surface, expected", [
    ("the Free Army", "Free Army"), ("The Daily Star's", "Daily Star"), ("modi''s", "modi"), ("the\nArmy", "Army"),
    ("rebels'", "rebels"), ("vhpâ€™s", "vhp"), ("March 1\n\n", "March 1"), ("theatre", "theatre"),
    ("a k antony", "a k antony"), ("the", "the"), ("Idlib", "Idlib")])
def test_trimmed_follows_the_seed_name_convention(surface, expected):
    text = f"x {surface} y"
    start, end, label = trimmed(text, (2, 2 + len(surface), "ORG"))
    assert (text[start:end], label) == (expected, "ORG")


def test_spacy_types_map_to_the_seed_schema_and_are_trimmed():
    text = "the Army of Idlib"
    labels = ["GPE", "FAC", "PERSON", "DATE", "TIME", "NORP", "ORG", "MONEY", "LAW"]
    ents = [SimpleNamespace(start_char=12, end_char=17, label_=label) for label in labels]
    assert [label for _, _, label in spacy_spans(SimpleNamespace(text=text, ents=ents))] == [
        "LOC", "LOC", "PER", "TIME", "TIME", "NORP", "ORG"]
    the_army = SimpleNamespace(start_char=0, end_char=8, label_="ORG")
    assert spacy_spans(SimpleNamespace(text=text, ents=[the_army])) == [(4, 8, "ORG")]


def test_word_tags_mark_every_word_a_span_overlaps():
    tokens, tags = word_tags("Troops of the Free Army's unit", [(14, 23, "ORG"), (0, 3, "PER")])
    assert tokens == ["Troops", "of", "the", "Free", "Army's", "unit"]
    assert tags == ["B-PER", "O", "O", "B-ORG", "I-ORG", "O"]


def test_spans_sharing_a_word_are_refused_or_the_later_one_left_out():
    text, spans = "US-Mexico border talks", [(0, 2, "LOC"), (3, 9, "LOC")]  # spaCy's two names in one word
    with pytest.raises(ValueError, match="spans overlap on the word 'US-Mexico'"):
        word_tags(text, spans)
    assert word_tags(text, spans, skip_overlaps=True)[1] == ["B-LOC", "O", "O"]


def test_silver_sentences_are_a_seeded_sample_of_all_sentences():
    texts = ["Rebels shelled Idlib on Monday. Troops left.", "Police arrested five men in Kabul."]
    every = silver_sentences(sample_sentences(texts, None, seed=0), FakeNLP())
    assert sorted(" ".join(s["tokens"]) for s in every) == [
        "Police arrested five men in Kabul .", "Rebels shelled Idlib on Monday .", "Troops left ."]
    idlib = next(s for s in every if "Idlib" in s["tokens"])
    assert idlib["tags"] == ["O", "O", "B-LOC", "O", "B-TIME", "O"]
    two = silver_sentences(sample_sentences(texts, 2, seed=0), FakeNLP())
    assert two == every[:2] and two == silver_sentences(sample_sentences(texts, 2, seed=0), FakeNLP())


def test_build_writes_gold_then_silver_that_re3d_seed_silver_reads(tmp_path):
    (tmp_path / "train.txt").write_text(GOLD)
    (tmp_path / "dev.txt").write_text(GOLD)
    (tmp_path / "satp.tsv").write_text("Rebels shelled Idlib on Monday. Troops left.\t1\t0\t0\t0\n"
                                       "The Free Army held Kabul.\t0\t1\t0\t0\n")
    (tmp_path / "more.tsv").write_text("Police arrested five men in Kabul.\t0\t0\t1\t0\n")
    out = tmp_path / "silver"
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("silver", [f"gold.train.path={tmp_path / 'train.txt'}", f"gold.dev.path={tmp_path / 'dev.txt'}",
                                 f"sources.satp.train.path={tmp_path / 'satp.tsv'}",
                                 f"sources.satp.dev.path={tmp_path / 'satp.tsv'}",
                                 "data@sources.cameo_class=satp",  # a second source, read as SATP
                                 f"sources.cameo_class.train.path={tmp_path / 'more.tsv'}",
                                 f"sources.cameo_class.dev.path={tmp_path / 'more.tsv'}", f"out_dir={out}"])
        data_cfg = compose("train", ["experiment=re3d_seed_silver", f"data.train.path={out / 'train.conll'}",
                                     f"data.dev.path={out / 'dev.conll'}"]).data
    card = build(cfg, FakeNLP())
    assert (card["gold_sentences"], card["silver_sentences"], card["dev_sentences"]) == (
        2, {"satp": 3, "cameo_class": 1}, 2)
    assert card["silver_entities"] == {"LOC": 3, "TIME": 1, "ORG": 1}
    assert json.loads((out / "card.json").read_text()) == card
    splits = load_splits(data_cfg).splits
    assert [ex["tokens"] for ex in splits["train"]][:2] == [["Rebels", "attacked", "Aleppo", "."],
                                                            ["John", "Kerry", "spoke"]]
    assert splits["train"][0]["tags"] == ["B-ORG", "O", "B-LOC", "O"]  # the gold part, in the seed schema
    assert splits["train"][-1]["tokens"] == ["Police", "arrested", "five", "men", "in", "Kabul", "."]  # each source
    assert len(splits["train"]) == 6 and splits["dev"]["tags"] == splits["train"]["tags"][:2]


def test_build_refuses_no_sources(tmp_path):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("silver", ["~data@sources.satp", "~data@sources.cameo_class", f"out_dir={tmp_path}"])
    with pytest.raises(ValueError, match="at least one source"):
        build(cfg, FakeNLP())
