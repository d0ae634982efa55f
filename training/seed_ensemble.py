"""Score an ensemble of models trained with different seeds: the mean of their probabilities, decided as one
model's would be (argmax tags; argmax or thresholds for texts).

Multi-label ensembles choose their thresholds on the same examples as training does
(``training.metrics.choose_thresholds``) and report the same evidence, ``thresholds.held_out`` included.
"""

from __future__ import annotations

import numpy as np

from inference.task_model import TaskModel
from training.data.base import Example
from training.metrics import binarize, choose_thresholds
from training.tasks import sequence, token


def member_probs(model: TaskModel, examples: list[Example]) -> list[np.ndarray] | np.ndarray:
    """Per-word probabilities of each example (token tasks) or per-text probabilities (text tasks)."""
    if model.meta.task == "token":
        return model.word_probs([ex["tokens"] for ex in examples])
    return model.text_probs([ex["text"] for ex in examples])


def ensemble_metrics(models: list[TaskModel], examples: list[Example]) -> dict[str, float]:
    """Metrics of the members' mean probabilities on ``examples`` (multi-label: plus ``thresholds.*``)."""
    if len(models) < 2:
        raise ValueError(f"an ensemble needs at least two models, got {len(models)}")
    kinds = {(model.meta.task, tuple(model.meta.labels)) for model in models}
    if len(kinds) != 1:
        raise ValueError(f"ensemble members must share their task and labels, got {sorted(kinds)}")
    task, labels = models[0].meta.task, list(models[0].meta.labels)
    probs = [member_probs(model, examples) for model in models]
    if task == "token":
        return token.score(examples, [np.mean(parts, axis=0) for parts in zip(*probs)], labels).metrics
    mean = np.mean(probs, axis=0)
    if task != "multi_label":
        return sequence.score(examples, mean, labels, False).metrics
    gold = binarize([ex["labels"] for ex in examples], labels)
    thresholds, evidence = choose_thresholds(mean, gold, labels)
    metrics = sequence.score(examples, mean, labels, True, thresholds).metrics
    return metrics | {f"thresholds.{name}": value for name, value in evidence.items()}
