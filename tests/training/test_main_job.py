"""The main job end to end with tiny models on the real data: train both models, package, predict."""

import mlflow
import pytest

from tests.conftest import PROJECT_ROOT
from training.main import run_main_job

DATA = PROJECT_ROOT.parent / "shared" / "data" / "re3d"


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_main_job_smoke(tmp_path, mlflow_store):
    article = PROJECT_ROOT / "resources" / "sample_article.txt"
    prediction = run_main_job(article, tmp_path / "main", smoke=True)
    text = article.read_text(encoding="utf-8")
    assert set(prediction) == {"entities", "events", "non_acled_events"}
    assert all(text[e["start"]:e["end"]] == e["text"] for e in prediction["entities"])
    client = mlflow.MlflowClient()
    version = client.get_model_version_by_alias("conflict-news", "champion")
    assert int(version.version) == 1
    approaches = {"re3d_seed": {"fine_tune"}, "acled_snippets": {"fine_tune", "zero_shot", "ensemble"},
                  "conflict-news-predictor": {None}}
    for experiment, expected in approaches.items():
        runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
        assert {r.info.status for r in runs} == {"FINISHED"}
        assert {r.data.tags.get("approach") for r in runs} == expected
