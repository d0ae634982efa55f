import numpy as np
import pytest

from inference.ensemble import Ensemble
from inference.predictor import Predictor, PredictorConfig
from inference.sentences import split_sentences
from inference.task_model import Decisions, TaskMeta, TaskModel
from tests.conftest import ENTITY_LABELS, TINY
from training.modeling.encoders import build_model

TRICKY = [
    "Le général\tPetraeus a visité Kyiv’s «centre» — 北京 reported 3 killed.\nNew line here.",
    "  Leading spaces, then\r\nWindows line ends; and emoji 🙂 near Aleppo!  ",
    " ".join(f"word{i}" for i in range(400)) + ".",  # one very long sentence: many windows
    "Dr. Ahmed met Gen. Smith in the U.S. capital. Rebels shelled Idlib; troops clashed with them, and "
    "police arrested 5.",
]


def _is_word_edge(text: str, i: int) -> bool:
    return i == 0 or i == len(text) or not (text[i - 1].isalnum() and text[i].isalnum())


@pytest.mark.parametrize("text", TRICKY)
def test_offsets_follow_the_original_text(tiny_predictor, text):
    result = tiny_predictor.predict(text)
    assert set(result) >= {"entities", "events"}
    previous_end = 0
    for ent in sorted(result["entities"], key=lambda e: e["start"]):
        assert text[ent["start"]:ent["end"]] == ent["text"]
        assert ent["start"] >= previous_end  # no overlaps
        assert _is_word_edge(text, ent["start"]) and _is_word_edge(text, ent["end"])
        assert ent["label"] in {"ORG", "LOC", "PER"} and 0 <= ent["score"] <= 1
        previous_end = ent["end"]
    for ev in result["events"]:
        assert text[ev["start"]:ev["end"]] == ev["anchor"]
        assert ev["anchor"] == ev["anchor"].strip()
        assert ev["event_type"] in {"Battles", "Explosions/Remote violence", "Protests", "Strategic developments"}


def test_long_text_is_covered_entirely(tiny_predictor):
    text = TRICKY[2]
    events = tiny_predictor.predict(text)["events"]
    # the only sentence is the whole text; any event anchored on it spans all of it
    assert all(ev["end"] <= len(text) for ev in events)
    assert tiny_predictor.events.text_probs([text]).shape == (1, 6)


def test_an_entity_never_runs_across_a_blank_line(tiny_predictor, monkeypatch):
    text = "Geneva\n\nKYIV, Ukraine\nsaid"
    tags = ["B-LOC", "I-LOC", "O", "B-LOC", "I-LOC"]  # the tagger runs one span over the dateline's break
    monkeypatch.setattr(tiny_predictor.entities, "tag_words",
                        lambda batch: [[(tag, 0.9) for tag in tags[:len(words)]] for words in batch])
    found = [(e["text"], e["label"]) for e in tiny_predictor.entities.entities([text])[0]]
    assert found == [("Geneva", "LOC"), ("KYIV", "LOC"), ("Ukraine\nsaid", "LOC")]


def test_empty_and_whitespace_texts(tiny_predictor):
    assert tiny_predictor.predict_batch(["", "  \n\t "]) == [
        {"entities": [], "events": [], "non_acled_events": []}] * 2


def test_non_string_is_rejected_with_its_position(tiny_predictor):
    with pytest.raises(TypeError, match="text 1: expected a string, got int"):
        tiny_predictor.predict_batch(["fine", 3])
    with pytest.raises(ValueError, match="text 1: unpaired surrogate U\\+DC80 at character 4"):
        tiny_predictor.predict_batch(["fine", "bad \udc80"])


def test_random_models_still_emit_spans_to_check(tiny_predictor):
    results = tiny_predictor.predict_batch(TRICKY)
    assert sum(len(r["entities"]) for r in results) > 0
    assert sum(len(r["events"]) for r in results) > 0


def test_one_event_per_type_per_sentence(tiny_predictor):
    text = TRICKY[3]
    starts = [s for s, _ in split_sentences(text)]
    seen = set()
    for ev in tiny_predictor.predict(text)["events"]:
        key = (ev["event_type"], max(s for s in starts if s <= ev["start"]))
        assert key not in seen
        seen.add(key)


def test_save_and_load_round_trip(tiny_predictor, tiny_predictor_dir):
    loaded = Predictor.load(tiny_predictor_dir, precision="fp32")
    assert loaded.predict_batch(TRICKY) == tiny_predictor.predict_batch(TRICKY)


@pytest.mark.parametrize("tasks, fields", [(["entities"], ["entities"]),
                                           ("events", ["events", "non_acled_events"]),
                                           (["events", "entities"], ["entities", "events", "non_acled_events"])])
def test_tasks_load_and_run_only_their_models(tiny_predictor, tiny_predictor_dir, tasks, fields):
    loaded = Predictor.load(tiny_predictor_dir, precision="fp32", tasks=tasks)
    assert (loaded.entities is None, loaded.events is None) == ("entities" not in fields, "events" not in fields)
    full = tiny_predictor.predict_batch(TRICKY)
    found = loaded.predict_batch(TRICKY)
    assert [list(record) for record in found] == [fields] * len(TRICKY)
    assert found == [{name: record[name] for name in fields} for record in full]


@pytest.mark.parametrize("tasks", [[], None, ["entities", "relations"], "entities,"])
def test_unknown_or_no_tasks_are_refused(tiny_predictor_dir, tasks):
    with pytest.raises(ValueError, match=r"tasks: expected one or more of \['entities', 'events'\]"):
        Predictor.load(tiny_predictor_dir, tasks=tasks)


def test_a_predictor_with_one_task_cannot_be_saved(tiny_predictor_dir, tmp_path):
    with pytest.raises(ValueError, match=r"tasks=\['entities'\] cannot be saved"):
        Predictor.load(tiny_predictor_dir, tasks="entities").save(tmp_path / "predictor")
    with pytest.raises(ValueError, match="needs an entity model, an event typer or both"):
        Predictor(None, None, PredictorConfig(event_types={}))


def test_a_seed_ensemble_serves_as_the_entity_model(tiny_predictor, tmp_path):
    import torch

    torch.manual_seed(1)
    model, tok = build_model(TINY, "token", ENTITY_LABELS)
    other = TaskModel(model, tok, TaskMeta("token", ENTITY_LABELS, max_length=16, stride=4), precision="fp32")
    ensemble = Ensemble.of_seeds([tiny_predictor.entities, other])
    predictor = Predictor(ensemble, tiny_predictor.events, tiny_predictor.config)
    loaded = Predictor.load(predictor.save(tmp_path / "predictor"), precision="fp32")
    assert isinstance(loaded.entities, Ensemble) and len(loaded.entities.members) == 2
    found = loaded.predict_batch(TRICKY)
    assert found == predictor.predict_batch(TRICKY)
    assert [r["entities"] for r in found] != [r["entities"] for r in tiny_predictor.predict_batch(TRICKY)]


class KeywordTyper:
    """A stand-in event typer: probabilities by keyword, so that decisions are known in advance."""

    LABELS = ["ARMED_CLASH", "AIR_STRIKE", "DIPLO", "NO_EVENT"]
    meta = TaskMeta("single_label", LABELS, max_length=16, stride=4)

    def text_probs(self, texts):
        rows = []
        for text in texts:
            hits = [k for k, word in enumerate(["clash", "jets", "envoy"]) if word in text.lower()]
            row = np.full(4, 0.02)
            if hits:
                row[hits] = 0.94 / len(hits)
            else:
                row[3] = 0.94
            rows.append(row / row.sum())
        return np.array(rows)


def test_event_decisions(tiny_predictor):
    predictor = Predictor(tiny_predictor.entities, KeywordTyper(),
                          PredictorConfig(event_types={"ARMED_CLASH": "Battles", "AIR_STRIKE":
                                                       "Explosions/Remote violence", "DIPLO": None}))
    text = ("Jets bombed the town; troops then clashed with rebels nearby. The minister spoke at length. "
            "An envoy arrived in Doha.")
    result = predictor.predict(text)
    # the first sentence reports two types, each anchored on its own clause
    assert [(e["anchor"], e["event_type"], e["sub_event_type"]) for e in result["events"]] == [
        ("Jets bombed the town", "Explosions/Remote violence", "AIR_STRIKE"),
        ("troops then clashed with rebels nearby.", "Battles", "ARMED_CLASH")]
    # a sentence typed NO_EVENT reports nothing; a non-ACLED label goes to non_acled_events
    assert [(e["anchor"], e["label"]) for e in result["non_acled_events"]] == [("An envoy arrived in Doha.", "DIPLO")]


def test_an_ensemble_typer_skips_its_lighter_member_only_where_nothing_can_change(tiny_predictor):
    class SeenTyper(KeywordTyper):
        def __init__(self, flat):
            self.flat, self.seen = flat, []

        def text_probs(self, texts):
            self.seen.extend(texts)
            probs = super().text_probs(texts)  # flat: the same probabilities, flattened towards uniform
            return probs * (1 - self.flat) + self.flat / probs.shape[1]

    config = PredictorConfig(event_types={"ARMED_CLASH": "Battles", "AIR_STRIKE": "Explosions/Remote violence",
                                          "DIPLO": None}, event_threshold=0.3)
    text = ("Jets bombed the town; troops then clashed with rebels nearby. The minister spoke at length. "
            "An envoy arrived in Doha.")
    for flat, skipped in [(0.0, ["The minister spoke at length."]), (0.6, [])]:
        heavy, light = SeenTyper(flat), KeywordTyper()
        typer = Ensemble([light, heavy], [0.3, 0.7], TaskMeta("ensemble", KeywordTyper.LABELS, 16, 4))
        predictor = Predictor(tiny_predictor.entities, typer, config)
        light_seen = []
        light.text_probs = lambda texts, probs=light.text_probs: light_seen.extend(texts) or probs(texts)
        found = predictor.predict(text)
        assert sorted(set(heavy.seen) - set(light_seen)) == skipped
        predictor._event_probs = typer.text_probs  # no skipping: every member types every span
        assert found == predictor.predict(text) and found["events"]


def test_threshold_must_be_a_probability():
    with pytest.raises(ValueError, match="event_threshold must be in"):
        PredictorConfig(event_types={}, event_threshold=0)


class KeywordTagger(Decisions):
    """A stand-in event-anchor tagger: tag probabilities by keyword, so that anchors are known in advance."""

    LABELS = ["O", "B-AIR_STRIKE", "I-AIR_STRIKE", "B-ARMED_CLASH", "I-ARMED_CLASH", "B-DIPLO", "I-DIPLO"]
    KEYWORDS = {"bombed": (1, 0.9), "clashed": (3, 0.9), "talks": (5, 0.9), "shelled": (1, 0.35)}
    meta = TaskMeta("token", LABELS, max_length=16, stride=4, decoding="argmax")

    def word_probs(self, words_batch):
        out = []
        for words in words_batch:
            probs = np.full((len(words), len(self.LABELS)), 0.01)
            probs[:, 0] = 0.94
            for i, word in enumerate(words):
                if word.lower() in self.KEYWORDS:
                    k, p = self.KEYWORDS[word.lower()]
                    probs[i] = (1 - p) / (len(self.LABELS) - 1)
                    probs[i, k] = p
            out.append(probs)
        return out

    def text_probs(self, texts):
        raise AssertionError("an anchor tagger tags words")


def test_an_anchor_tagger_reports_every_event_by_its_own_words(tiny_predictor):
    config = PredictorConfig(event_types={"ARMED_CLASH": "Battles", "AIR_STRIKE": "Explosions/Remote violence",
                                          "DIPLO": None}, event_threshold=0.5)
    predictor = Predictor(tiny_predictor.entities, KeywordTagger(), config)
    text = "Jets bombed the town and troops clashed with rebels. Artillery shelled Idlib. Peace talks began."
    result = predictor.predict(text)
    assert [(e["anchor"], e["event_type"], e["sub_event_type"]) for e in result["events"]] == [
        ("bombed", "Explosions/Remote violence", "AIR_STRIKE"), ("clashed", "Battles", "ARMED_CLASH")]
    assert all(text[e["start"]:e["end"]] == e["anchor"] for e in result["events"])
    assert [(e["anchor"], e["label"]) for e in result["non_acled_events"]] == [("talks", "DIPLO")]
    # "shelled" scores 0.35: below the threshold it reports nothing; at 0.3 it is an event
    lower = Predictor(tiny_predictor.entities, KeywordTagger(), PredictorConfig(config.event_types, event_threshold=0.3))
    assert "shelled" in [e["anchor"] for e in lower.predict(text)["events"]]


def test_an_anchor_tagger_needs_an_event_type_for_each_tag():
    with pytest.raises(ValueError, match=r"event model labels \['DIPLO'\] have no event type"):
        Predictor(None, KeywordTagger(), PredictorConfig(event_types={"ARMED_CLASH": "Battles",
                                                                      "AIR_STRIKE": "Explosions/Remote violence"}))


def test_entities_never_start_or_end_with_invisible_characters(tiny_predictor, monkeypatch):
    text = "Rebels \x00 entered Saraqeb\u200b and Idlib\ufeff’s centre."
    # a tagger that tags the NUL alone, and the names with their invisible neighbours and possessive
    tags = {"\x00": "B-LOC", "Saraqeb": "B-LOC", "\u200b": "I-LOC", "Idlib": "B-LOC", "\ufeff": "I-LOC",
            "’": "I-LOC", "s": "I-LOC"}
    monkeypatch.setattr(tiny_predictor.entities, "tag_words",
                        lambda batch: [[(tags.get(word, "O"), 0.9) for word in words] for words in batch])
    found = tiny_predictor.predict(text)["entities"]
    assert [e["text"] for e in found] == ["Saraqeb", "Idlib"]
    assert all(text[e["start"]:e["end"]] == e["text"] for e in found)
