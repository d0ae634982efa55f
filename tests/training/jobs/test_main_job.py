"""The main job end to end with tiny models on the real data: silver labels, train both models, package, predict."""

import json

import mlflow
import pytest
from hydra import compose, initialize_config_dir

from inference.predictor import Predictor
from tests.conftest import CONF_DIR, PROJECT_ROOT
from training.jobs.main import run_main_job
from training.jobs.package import package
from training.jobs.promote import promote

DATA = PROJECT_ROOT.parent / "shared" / "data" / "re3d"


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_main_job_smoke(tmp_path, mlflow_store):
    article = PROJECT_ROOT / "resources" / "sample_article.txt"
    prediction = run_main_job(article, tmp_path / "main", smoke=True)
    text = article.read_text(encoding="utf-8")
    assert set(prediction) == {"entities", "events", "non_acled_events"}
    assert all(text[e["start"]:e["end"]] == e["text"] for e in prediction["entities"])
    card = json.loads((tmp_path / "main" / "silver" / "card.json").read_text())  # the tagger's silver labels
    assert (card["gold"], card["silver_sentences"]) == ("re3d_seed", {"satp": 20, "cameo_class": 20})
    client = mlflow.MlflowClient()
    version = client.get_model_version_by_alias("conflict-news", "champion")
    assert int(version.version) == 1
    approaches = {"re3d_seed_silver": {"fine_tune"}, "acled_anchors": {"fine_tune"}, "conflict-news-predictor": {None}}
    for experiment, expected in approaches.items():
        runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
        assert {r.info.status for r in runs} == {"FINISHED"}
        assert {r.data.tags.get("approach") for r in runs} == expected

    # an evaluator promotes the best entity tagger and the best anchor tagger, and packages from the aliases
    with initialize_config_dir(config_dir=str(CONF_DIR / "promote"), version_base="1.3"):
        promote(compose("promote", ["experiment=re3d_seed_silver", "metric=dev_f1_micro"]))
        promoted = promote(compose("promote", ["experiment=acled_anchors", "metric=dev_f1_micro"]))
    assert client.get_run(promoted.run_id).data.tags["approach"] == "fine_tune"
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        uri = package(compose("package", ["entity_model=models:/re3d_seed_silver@champion",
                                          "event_model=models:/acled_anchors@champion", "alias=from-aliases",
                                          f"paths.output_dir={tmp_path / 'package'}"]))
    assert uri == "models:/conflict-news@from-aliases"
    loaded = Predictor.load(uri)
    assert loaded.events.meta.task == "token"  # the event model is the anchor tagger
    again = loaded.predict(text)
    assert [e["text"] for e in again["entities"]] == [e["text"] for e in prediction["entities"]]
    assert again["events"] == prediction["events"]


def test_an_unreadable_article_fails_before_any_training(tmp_path, mlflow_store):
    article = tmp_path / "article.txt"
    article.write_bytes(b"Troops entered the town.\nCaf\xe9 owners fled.\n")
    with pytest.raises(ValueError, match=r"article.txt:2: invalid UTF-8"):
        run_main_job(article, tmp_path / "main", smoke=True)
    assert not (tmp_path / "main").exists()
