"""CASE 2021 Task 2 scoring: subtasks 1-3 (nested label sets) and accuracy over the six ACLED event types.

For subtask k a prediction is the best-scoring label among those of subtasks 1..k (NO_EVENT is never a
candidate, as in the shared task), over the snippets whose gold label belongs to subtask k.
"""

from __future__ import annotations

import mlflow
import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from training.events.labels import LabelSet, load_labels


def restricted_predictions(probs: np.ndarray, model_labels: list[str], candidates: list[str]) -> list[str]:
    """Per row, the candidate label with the highest probability."""
    missing = [c for c in candidates if c not in model_labels]
    if missing:
        raise ValueError(f"the model cannot predict labels {missing}")
    columns = [model_labels.index(c) for c in candidates]
    return [candidates[int(i)] for i in probs[:, columns].argmax(axis=1)]


def case_scores(gold: list[str], probs: np.ndarray, model_labels: list[str],
                label_set: LabelSet) -> tuple[dict[str, float], list[dict]]:
    """Metrics per subtask plus event-type accuracy, and per-snippet predictions for each subtask."""
    metrics: dict[str, float] = {}
    per_row: list[dict] = [{} for _ in gold]
    event_type = label_set.event_types()
    for subtask in (1, 2, 3):
        candidates = label_set.up_to_subtask(subtask)
        rows = [i for i, g in enumerate(gold) if g in candidates]
        if not rows:
            continue
        pred = restricted_predictions(probs[rows], model_labels, candidates)
        truth = [gold[i] for i in rows]
        for i, p in zip(rows, pred):
            per_row[i][f"subtask{subtask}"] = p
        metrics.update(subtask_metrics(truth, pred, subtask, event_type))
        metrics[f"subtask{subtask}.n"] = float(len(rows))
    return metrics, per_row


def subtask_metrics(truth: list[str], pred: list[str], subtask: int, event_type: dict[str, str | None],
                    prefix: str = "") -> dict[str, float]:
    """Micro, macro and weighted F1 of one subtask's predictions, and for subtask 1 the accuracy over the ACLED
    event types (a label without one, such as NO_EVENT, is wrong); labels absent from both sides are not scored,
    as scikit-learn's default."""
    present = sorted(set(truth) | set(pred))
    metrics = {f"{prefix}subtask{subtask}.f1_{average}": float(
        f1_score(truth, pred, labels=present, average=average, zero_division=0))
        for average in ("micro", "macro", "weighted")}
    if subtask == 1:
        metrics[f"{prefix}event_type.accuracy"] = float(accuracy_score(
            [str(event_type.get(t)) for t in truth], [str(event_type.get(p)) for p in pred]))
    return metrics


def output_scores(gold: list[str], predicted: list[str], label_set: LabelSet) -> dict[str, float]:
    """Metrics per subtask plus event-type accuracy of labels decided elsewhere (a predictor's own output: the
    label of its best reported event, or NO_EVENT), prefixed ``predictor.``. NO_EVENT, or a label outside the
    subtask, is a wrong answer there."""
    metrics: dict[str, float] = {}
    event_type = label_set.event_types()
    for subtask in (1, 2, 3):
        candidates = set(label_set.up_to_subtask(subtask))
        rows = [i for i, g in enumerate(gold) if g in candidates]
        if not rows:
            continue
        truth, pred = [gold[i] for i in rows], [predicted[i] for i in rows]
        metrics.update(subtask_metrics(truth, pred, subtask, event_type, prefix="predictor."))
        if subtask == 1:
            metrics["predictor.no_event_rate"] = float(np.mean([p == "NO_EVENT" for p in pred]))
    return metrics


def log_case_metrics(examples: list[dict], probs: np.ndarray, model_labels: list[str], label_file: str) -> dict:
    """CASE 2021 subtask scores of dev predictions, logged as ``dev_case_<metric>``."""
    metrics, _ = case_scores([ex["labels"][0] for ex in examples], probs, model_labels, load_labels(label_file))
    mlflow.log_metrics({f"dev_case_{k}": v for k, v in metrics.items()})
    return metrics
