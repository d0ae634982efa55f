"""Score an ensemble of models trained with different seeds: the mean of their probabilities, decided as one
model's would be (argmax tags; argmax for single-label texts; every label at 0.5 or above for multi-label texts,
since the members' own tuned thresholds do not carry over to their mean)."""

from __future__ import annotations

import numpy as np

from inference.task_model import TaskModel
from training.data.base import Example
from training.tasks import sequence, token


def member_probs(model: TaskModel, examples: list[Example]) -> list[np.ndarray] | np.ndarray:
    """Per-word probabilities of each example (token tasks) or per-text probabilities (text tasks)."""
    if model.meta.task == "token":
        return model.word_probs([ex["tokens"] for ex in examples])
    return model.text_probs([ex["text"] for ex in examples])


def ensemble_evaluation(models: list[TaskModel], examples: list[Example]) -> token.Evaluation | sequence.Evaluation:
    """Metrics and predictions of the members' mean probabilities on ``examples``."""
    if len(models) < 2:
        raise ValueError(f"an ensemble needs at least two models, got {len(models)}")
    kinds = {(model.meta.task, tuple(model.meta.labels)) for model in models}
    if len(kinds) != 1:
        raise ValueError(f"ensemble members must share their task and labels, got {sorted(kinds)}")
    task, labels = models[0].meta.task, list(models[0].meta.labels)
    probs = [member_probs(model, examples) for model in models]
    if task == "token":
        return token.score(examples, [np.mean(parts, axis=0) for parts in zip(*probs)], labels)
    return sequence.score(examples, np.mean(probs, axis=0), labels, task == "multi_label")
