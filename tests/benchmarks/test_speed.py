import json

import pytest
from hydra import compose, initialize_config_dir

from benchmarks.speed import (PIPELINE, entity_f1, event_f1, load_articles, load_systems, markdown_table, measure,
                              predictor_systems, summarize, variant_folders, with_ratios)
from tests.conftest import PROJECT_ROOT

ARTICLES = ["Rebels shelled Idlib on Monday. Troops clashed with them near Saraqeb.",
            "Police arrested five protesters in Kabul on Friday."]


def test_core_functions_on_the_tiny_predictor(tiny_predictor):
    systems = {**predictor_systems({"torch": tiny_predictor, "onnx": tiny_predictor}), PIPELINE: str.split}
    seconds = measure(systems, ARTICLES, repeats=2, warmup=1)
    assert {name: len(s) for name, s in seconds.items()} == {name: 4 for name in systems}
    stats = {name: summarize(s, [len(t.split()) for t in ARTICLES]) for name, s in seconds.items()}
    rows = with_ratios(stats, {"torch": {"entity_f1": 0.50, "event_f1": 0.70},
                               "onnx": {"entity_f1": 0.49, "event_f1": 0.72}}, reference="torch")
    assert rows["entities/onnx"]["x_torch"] == pytest.approx(stats["entities/onnx"]["words_per_s"]
                                                            / stats["entities/torch"]["words_per_s"])
    assert rows["predictor/torch"]["x_pipeline"] > 0 and "x_pipeline" not in rows[PIPELINE]
    assert rows["predictor/onnx"]["delta_entity_f1_points"] == pytest.approx(-1.0)
    assert rows["predictor/onnx"]["delta_event_f1_points"] == pytest.approx(2.0)
    assert rows["predictor/torch"]["delta_event_f1_points"] == 0 and rows["predictor/torch"]["event_f1"] == 0.70
    assert "event_f1" not in rows[PIPELINE]
    table = markdown_table(rows, "torch")
    assert table.count("\n") == len(systems) + 1 and "| entities/onnx |" in table
    assert "| -1.00 | 0.7200 | +2.00 |" in table


def test_measure_runs_every_system_on_each_article_in_a_seeded_random_order():
    def orders(seed):
        calls = []
        systems = {name: (lambda text, name=name: calls.append((name, text))) for name in "abcd"}
        measure(systems, [str(i) for i in range(20)], repeats=1, warmup=0, seed=seed, settle=False)
        return [[name for name, text in calls if text == str(i)] for i in range(20)]

    first = orders(0)
    assert all(sorted(order) == list("abcd") for order in first) and orders(0) == first
    assert len({tuple(order) for order in first}) > 5 and orders(1) != first
    predecessors = {(order[k - 1], order[k]) for order in first for k in range(1, 4)}
    assert {before for before, after in predecessors if after == "b"} == {"a", "c", "d"}


def test_measure_settles_each_system_on_the_previous_article_before_timing_it(monkeypatch):
    calls = []
    monkeypatch.setattr("benchmarks.speed.time.perf_counter", lambda: len(calls))  # a clock ticking once per call
    systems = {name: (lambda text, name=name: calls.append((name, text))) for name in "ab"}
    seconds = measure(systems, ["x", "y", "z"], repeats=1, warmup=0, seed=0)
    assert len(calls) == 12 and seconds == {"a": [1, 1, 1], "b": [1, 1, 1]}  # only the second call is timed
    pairs = [calls[k:k + 2] for k in range(0, 12, 2)]
    assert all(settle[0] == timed[0] for settle, timed in pairs)  # the same system, just before
    previous = {"x": "z", "y": "x", "z": "y"}
    assert all(settle[1] == previous[timed[1]] for settle, timed in pairs)  # on the previous article


def test_summarize_counts_whole_passes():
    stats = summarize([1.0, 1.0, 2.0, 2.0], words=[10, 20])  # two passes over two articles
    assert stats["articles_per_s"] == pytest.approx(4 / 6) and stats["words_per_s"] == pytest.approx(60 / 6)
    assert stats["p50_ms"] == pytest.approx(1500)


def test_entity_f1_checks_the_label_set(tiny_predictor):
    examples = [{"id": "1", "tokens": ["Rebels", "in", "Idlib"], "tags": ["B-ORG", "O", "B-LOC"]}]
    f1 = entity_f1({"torch": tiny_predictor.entities}, examples)
    assert 0 <= f1["torch"] <= 1
    with pytest.raises(ValueError, match=r"dev tags \['B-Weapon'\] are not labels"):
        entity_f1({"torch": tiny_predictor.entities}, [{**examples[0], "tags": ["B-Weapon", "O", "O"]}])


def test_event_f1_scores_the_typers_argmax_and_checks_its_labels(tiny_predictor):
    typer, texts = tiny_predictor.events, ["Rebels shelled Idlib.", "Police met elders.", "Crowds marched."]
    predicted = [typer.meta.labels[k] for k in typer.text_probs(texts).argmax(axis=1)]
    examples = [{"id": str(i), "text": text, "labels": [label]}
                for i, (text, label) in enumerate(zip(texts, predicted))]
    assert event_f1({"torch": typer}, examples)["torch"] == pytest.approx(1.0)
    wrong = next(label for label in typer.meta.labels if label != predicted[0])
    assert event_f1({"torch": typer}, [{**examples[0], "labels": [wrong]}, *examples[1:]])["torch"] < 1.0
    with pytest.raises(ValueError, match=r"dev labels \['Looting'\] are not labels of the event typer"):
        event_f1({"torch": typer}, [{**examples[0], "labels": ["Looting"]}])


def test_load_articles_takes_the_train_split(tmp_path):
    docs = [{"doc_id": i, "doc_text": f"text {i}", "doc_labels": []} for i in range(4)]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (tmp_path / "splits.json").write_text(json.dumps({"train": [0, 2, 3], "dev": [1]}), encoding="utf-8")
    files = [f"corpus.{split}.{key}={tmp_path / name}" for split in ("train", "dev")
             for key, name in (("path", "docs.jsonl"), ("split_file", "splits.json"))]
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        cfg = compose("speed", files)
    assert load_articles(cfg.corpus, 2) == ["text 0", "text 2"]


def test_a_variant_with_its_own_model_uri_times_another_predictor(tiny_predictor_dir, tmp_path):
    other = tmp_path / "other"
    (other / "nested").mkdir(parents=True)
    for item in tiny_predictor_dir.iterdir():
        (other / "nested" / item.name).symlink_to(item)
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        cfg = compose("speed", [f"model_uri={tiny_predictor_dir}", "pipeline=false", "spacy_model=null",
                                "~variants.onnx", "~variants.onnx-int8",
                                f"+variants.other={{backend: torch, precision: fp32, model_uri: {other}}}"])
    assert variant_folders(cfg) == {"torch": tiny_predictor_dir, "torch-fp32": tiny_predictor_dir,
                                    "other": other / "nested"}
    predictors, systems = load_systems(cfg)
    assert set(systems) == {f"{kind}/{name}" for kind in ("predictor", "entities") for name in predictors}
    assert predictors["other"].predict(ARTICLES[0]) == predictors["torch-fp32"].predict(ARTICLES[0])
