"""The real-news event benchmark: predictors scored on annotated sentences and articles."""

import hashlib
import json

import mlflow
import pytest
from hydra import compose, initialize_config_dir

from benchmarks.events import benchmark
from tests.conftest import PROJECT_ROOT
from training.data.event_annotations import read_annotations
from training.events.labels import load_labels

DATA = PROJECT_ROOT.parent / "shared" / "data"
REALNEWS = PROJECT_ROOT / "resources" / "acled" / "realnews-v1"
TEXT = "Jets bombed Idlib and troops clashed with rebels. The minister spoke."


def annotations(tmp_path, name, events):
    (tmp_path / "docs.jsonl").write_text(json.dumps({"t": TEXT}) + "\n", encoding="utf-8")
    record = {"id": "x-1", "path": "docs.jsonl", "line": 1, "field": "t",
              "sha1": hashlib.sha1(TEXT.encode()).hexdigest(), "start": 0, "end": len(TEXT), "events": events}
    path = tmp_path / name
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_benchmark_scores_each_predictor_on_sentences_and_articles(tmp_path, mlflow_store, tiny_predictor_dir):
    sentences = annotations(tmp_path, "dev.jsonl", [[5, 11, "AIR_STRIKE", "bombed"], [29, 36, "ARMED_CLASH",
                                                                                        "clashed"]])
    articles = annotations(tmp_path, "articles.jsonl", [[5, 11, "AIR_STRIKE", "bombed", 1]])
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        cfg = compose("events", [f"sentences={sentences}", f"articles={articles}", f"paths.data_dir={tmp_path}",
                                 f"model_uris=[{tiny_predictor_dir},{tiny_predictor_dir}]"])
    report = benchmark(cfg, tmp_path / "out")
    assert "1 dev sentences (2 gold ACLED events" in report and "1 articles (1 gold ACLED events" in report
    rows = [line.split(" | ")[0] for line in report.splitlines() if line.startswith("| ")]
    assert rows == ["| system", "| predictor mean", "| predictor std", "| predictor-1", "| predictor-2"]
    (run,) = mlflow.search_runs(experiment_names=["benchmark-events"], output_format="list")
    assert {"predictor-1.sent.f1", "predictor-1.article.recall"} <= set(run.data.metrics)
    outputs = json.loads((tmp_path / "out" / "outputs.json").read_text())
    assert outputs["sentences"] == ["x-1"] and len(outputs["predictor-2"]["articles"]) == 1


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_the_committed_realnews_annotations_match_the_data():
    labels = load_labels(REALNEWS.parent / "labels-v1.yaml").up_to_subtask(3)
    counts = {name: (len(texts), sum(len(t.events) for t in texts)) for name in ("train", "dev", "articles")
              for texts in [read_annotations(REALNEWS / f"{name}.jsonl", DATA, labels)]}
    assert counts == {"train": (2000, 927), "dev": (500, 266), "articles": (30, 120)}
