"""``training.jobs.evaluate data=case2021`` on a CASE-format file with a tiny event typer (alone and in a predictor)."""

import json

import pytest
from hydra import compose, initialize_config_dir

from inference.predictor import Predictor, PredictorConfig
from inference.task_model import TaskMeta, TaskModel
from tests.conftest import CONF_DIR, TINY
from tests.training.events.test_case_eval import LABEL_FILE
from training.events.labels import load_labels
from training.jobs.evaluate import evaluate
from training.modeling.encoders import build_model

SNIPPETS = [("1", "Jets struck a convoy near the border.", "AIR_STRIKE"),
            ("2", "Police detained the opposition leader.", "ARREST"),
            ("3", "Smugglers were caught with cocaine.", "ORG_CRIME"),
            ("4", "The two envoys met in Doha.", "DIPLO")]


@pytest.fixture
def typer_dir(tmp_path):
    labels = load_labels(LABEL_FILE).names
    model, tok = build_model(TINY, "single_label", labels)
    return TaskModel(model, tok, TaskMeta("single_label", labels, 32, 8, pool="mean"),
                     precision="fp32").save(tmp_path / "typer")


@pytest.mark.parametrize("packaged", [False, True])
def test_case2021_scores(typer_dir, tiny_predictor, tmp_path, mlflow_store, packaged):
    test_path = tmp_path / "task2.tsv"
    test_path.write_text("id\tEventSnippet\tSubType\n" + "".join("\t".join(row) + "\n" for row in SNIPPETS),
                         encoding="utf-8")
    model_uri = typer_dir
    if packaged:
        typer = TaskModel.load(typer_dir, precision="fp32")
        config = PredictorConfig(event_types=load_labels(LABEL_FILE).event_types())
        model_uri = Predictor(tiny_predictor.entities, typer, config).save(tmp_path / "predictor")
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("evaluate", ["data=case2021", f"data.test_path={test_path}", f"model_uri={model_uri}",
                                   f"output_dir={tmp_path / 'eval'}", "precision=fp32"])
    metrics = evaluate(cfg)
    assert metrics["subtask1.n"] == 2 and metrics["subtask2.n"] == 3 and metrics["subtask3.n"] == 4
    assert 0 <= metrics["event_type.accuracy"] <= 1
    rows = [json.loads(line) for line in (tmp_path / "eval" / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["gold_event_type"] == "Explosions/Remote violence" and "subtask1" in rows[0]
    assert "subtask1" not in rows[3] and "subtask3" in rows[3]
    assert ("predictor.subtask1.f1_weighted" in metrics) == packaged  # what services get, for a predictor only
    assert ("predictor_output" in rows[0]) == packaged


def test_a_predictor_output_is_its_best_event_or_none():
    from training.events.case_eval import output_scores
    from training.jobs.evaluate import best_event_label

    assert best_event_label({"events": [{"score": 0.4, "sub_event_type": "ATTACK"},
                                        {"score": 0.7, "sub_event_type": "ARMED_CLASH"}],
                             "non_acled_events": [{"score": 0.6, "label": "DIPLO"}]}) == "ARMED_CLASH"
    assert best_event_label({"events": [], "non_acled_events": []}) == "NO_EVENT"
    metrics = output_scores(["ARMED_CLASH", "AIR_STRIKE", "ATTACK"], ["GOV_REGAINS_TERIT", "NO_EVENT", "ATTACK"],
                            load_labels(LABEL_FILE))
    assert metrics["predictor.event_type.accuracy"] == pytest.approx(2 / 3)  # both Battles; no event is wrong
    assert metrics["predictor.no_event_rate"] == pytest.approx(1 / 3)
    assert metrics["predictor.subtask1.f1_micro"] == pytest.approx(1 / 3)
