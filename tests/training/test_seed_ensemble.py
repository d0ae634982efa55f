"""Seed ensembles: the mean of the members' probabilities, decided as one model's would be (0.5 cuts for
multi-label)."""

from __future__ import annotations

import json

import mlflow
import pytest
import torch
from hydra import compose, initialize_config_dir

from inference.task_model import TaskMeta, TaskModel
from tests.conftest import CONF_DIR
from training.data import label_list, read_file
from training.evaluate import evaluate
from training.seed_ensemble import ensemble_evaluation
from training.tasks import sequence, token

LABELS = ["calm", "clash", "protest"]
TEXTS = [{"id": str(i), "text": text, "labels": ["clash"]}
         for i, text in enumerate(["Troops shelled the town.", "Rebels attacked a convoy near the border."])]


def _leaning(tiny_model, task: str, labels: list[str], bias: dict[str, float]) -> TaskModel:
    """A tiny model whose classifier is pushed towards the labels in ``bias`` whatever the input."""
    model, tok = tiny_model(task, labels)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([bias.get(label, 0.0) for label in labels]))
    return TaskModel(model, tok, TaskMeta(task, labels, max_length=16, stride=4, pool="mean"), precision="fp32")


def test_the_mean_probability_decides_not_a_single_member(tiny_model):
    sure = _leaning(tiny_model, "single_label", LABELS, {"clash": 6.0})  # p(clash) ~ 0.995
    unsure = _leaning(tiny_model, "single_label", LABELS, {"protest": 2.0})  # p(protest) ~ 0.79
    assert sequence.evaluate(unsure, TEXTS).metrics["accuracy"] == 0.0
    for members in ([sure, unsure], [unsure, sure]):  # the mean favours clash (0.55 against 0.40) in any order
        assert ensemble_evaluation(members, TEXTS).metrics["accuracy"] == 1.0
    assert ensemble_evaluation([unsure, unsure], TEXTS).metrics["accuracy"] == 0.0


def test_an_ensemble_of_one_model_twice_scores_as_that_model(tiny_model):
    torch.manual_seed(0)
    tags = ["O", "B-LOC", "I-LOC"]
    model, tok = tiny_model("token", tags)
    tagger = TaskModel(model, tok, TaskMeta("token", tags, max_length=8, stride=2), precision="fp32")
    words = [{"id": "0", "tokens": "Rebels attacked the town of Idlib on Monday .".split(),
              "tags": ["O", "O", "O", "O", "O", "B-LOC", "O", "O", "O"]},
             {"id": "1", "tokens": ["Aleppo", "was", "calm"], "tags": ["B-LOC", "O", "O"]}]
    ensemble = ensemble_evaluation([tagger, tagger], words)
    assert ensemble.metrics == token.evaluate(tagger, words).metrics
    assert ensemble.predictions == token.evaluate(tagger, words).predictions

    multi = _leaning(tiny_model, "multi_label", LABELS, {"calm": -3.0, "clash": 3.0, "protest": -3.0})
    multi.meta.thresholds = {"calm": 0.5, "clash": 0.9, "protest": 0.5}  # its own cut would miss clash (0.95)
    assert sequence.evaluate(multi, TEXTS).metrics["example_f1"] == 1.0
    multi.meta.thresholds = {"calm": 0.5, "clash": 0.99, "protest": 0.5}
    assert sequence.evaluate(multi, TEXTS).metrics["example_f1"] == 0.0
    ensemble = ensemble_evaluation([multi, multi], TEXTS)  # the mean is decided at 0.5, not at a member's cuts
    assert ensemble.metrics["example_f1"] == 1.0 and [p["predicted"] for p in ensemble.predictions] == [["clash"]] * 2


def test_members_must_agree_on_task_and_labels(tiny_model):
    one = _leaning(tiny_model, "single_label", LABELS, {})
    with pytest.raises(ValueError, match="at least two"):
        ensemble_evaluation([one], TEXTS)
    other = _leaning(tiny_model, "single_label", ["calm", "clash"], {})
    with pytest.raises(ValueError, match="share their task and labels"):
        ensemble_evaluation([one, other], TEXTS)



CONLL = "Rebels\tB-Organisation\nattacked\tO\nAleppo\tB-Location\n.\tO\n\nJohn\tB-Person\nKerry\tI-Person\nspoke\tO\n"


def _evaluate_cfg(overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("evaluate", [*overrides, "precision=fp32"])


def test_training_evaluate_scores_a_list_of_models_as_a_seed_ensemble(tiny_model, tmp_path, mlflow_store):
    (tmp_path / "test.txt").write_text(CONLL)
    cfg = _evaluate_cfg(["data=re3d", f"data.test_path={tmp_path / 'test.txt'}", f"output_dir={tmp_path / 'eval'}",
                         "model_uri=???"])
    tags, members, folders = label_list(cfg.data), [], []
    for seed in (1, 2):
        torch.manual_seed(seed)
        model, tok = tiny_model("token", tags)
        members.append(TaskModel(model, tok, TaskMeta("token", tags, max_length=8, stride=2), precision="fp32"))
        folders.append(str(members[-1].save(tmp_path / f"seed{seed}")))
    cfg.model_uri = folders
    metrics = evaluate(cfg)
    examples, _ = read_file(cfg.data, str(tmp_path / "test.txt"))
    expected = ensemble_evaluation(members, examples)
    assert metrics == expected.metrics
    rows = [line.split("\t") for line in (tmp_path / "eval" / "predictions.conll").read_text().splitlines() if line]
    predicted = [tag for p in expected.predictions for tag in p["predicted"]]
    assert [row[2] for row in rows] == predicted  # every word of both sentences, tagged by the mean
    assert predicted != [tag for p in token.evaluate(members[0], examples).predictions for tag in p["predicted"]]
    written = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert written["model_uri"] == folders and written["metrics"] == metrics
    [run] = mlflow.search_runs(experiment_names=["re3d-evaluation"], output_format="list")
    assert run.data.tags["model_uris"] == ",".join(folders) and "model_uri" not in run.data.tags  # not one URI

    cfg.model_uri, cfg.output_dir = folders[:1], str(tmp_path / "one")  # a list of one is that model
    assert evaluate(cfg) == token.evaluate(members[0], examples).metrics
    assert json.loads((tmp_path / "one" / "metrics.json").read_text())["model_uri"] == folders[0]


def test_training_evaluate_refuses_a_list_for_case2021(tmp_path):
    cfg = _evaluate_cfg(["data=case2021", f"data.test_path={tmp_path / 'test.tsv'}", "model_uri=[a,b]"])
    with pytest.raises(ValueError, match="data=case2021 scores one event typer"):
        evaluate(cfg)
