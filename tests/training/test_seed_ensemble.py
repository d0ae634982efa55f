"""Seed ensembles: the mean of the members' probabilities, decided as one model's would be."""

from __future__ import annotations

import pytest
import torch

from inference.task_model import TaskMeta, TaskModel
from training.seed_ensemble import ensemble_metrics
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
        assert ensemble_metrics(members, TEXTS)["accuracy"] == 1.0
    assert ensemble_metrics([unsure, unsure], TEXTS)["accuracy"] == 0.0


def test_an_ensemble_of_one_model_twice_scores_as_that_model(tiny_model):
    torch.manual_seed(0)
    tags = ["O", "B-LOC", "I-LOC"]
    model, tok = tiny_model("token", tags)
    tagger = TaskModel(model, tok, TaskMeta("token", tags, max_length=8, stride=2), precision="fp32")
    words = [{"id": "0", "tokens": "Rebels attacked the town of Idlib on Monday .".split(),
              "tags": ["O", "O", "O", "O", "O", "B-LOC", "O", "O", "O"]},
             {"id": "1", "tokens": ["Aleppo", "was", "calm"], "tags": ["B-LOC", "O", "O"]}]
    assert ensemble_metrics([tagger, tagger], words) == token.evaluate(tagger, words).metrics

    multi = _leaning(tiny_model, "multi_label", LABELS, {"calm": -3.0, "clash": 3.0, "protest": -3.0})
    metrics = ensemble_metrics([multi, multi], TEXTS)
    assert metrics["example_f1"] == sequence.evaluate(multi, TEXTS).metrics["example_f1"] == 1.0
    assert metrics["thresholds.held_out"] == metrics["thresholds.at_0.5"]  # nothing to gain from tuning here


def test_members_must_agree_on_task_and_labels(tiny_model):
    one = _leaning(tiny_model, "single_label", LABELS, {})
    with pytest.raises(ValueError, match="at least two"):
        ensemble_metrics([one], TEXTS)
    other = _leaning(tiny_model, "single_label", ["calm", "clash"], {})
    with pytest.raises(ValueError, match="share their task and labels"):
        ensemble_metrics([one, other], TEXTS)
