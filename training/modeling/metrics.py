"""Task metrics, computed with seqeval and scikit-learn."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from seqeval.metrics import classification_report as seqeval_report
from seqeval.metrics import f1_score as seqeval_f1
from sklearn.metrics import accuracy_score, classification_report, f1_score
from sklearn.preprocessing import MultiLabelBinarizer

PRIMARY_METRIC = {"token": "f1_micro", "single_label": "f1_macro", "multi_label": "example_f1"}
# Multi-label runs keep tuned thresholds only when they beat 0.5 on dev folds that did not choose them; the kept
# model's dev score is then in-sample. Runs are compared (sweeps, run tables, benchmarks) by its held-out
# counterpart (``choose_thresholds``), where it was logged.
HELD_OUT = {"dev_example_f1": "dev_thresholds.held_out"}
GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)  # candidate multi-label thresholds


def comparable_metric(name: str, logged: Iterable[str]) -> str:
    """The metric runs are compared by in place of the dev metric ``name``: its held-out counterpart
    (``HELD_OUT``) when it is among the ``logged`` metric names, else ``name`` itself."""
    held_out = HELD_OUT.get(name)
    return held_out if held_out is not None and held_out in set(logged) else name


def token_metrics(gold: list[list[str]], pred: list[list[str]]) -> tuple[dict[str, float], dict]:
    """Entity-level seqeval scores (default conlleval-compatible mode): micro/macro F1 and per-type P/R/F1."""
    report = seqeval_report(gold, pred, output_dict=True, zero_division=0)
    metrics = {"f1_micro": seqeval_f1(gold, pred, average="micro", zero_division=0),
               "f1_macro": seqeval_f1(gold, pred, average="macro", zero_division=0),
               "precision_micro": report["micro avg"]["precision"],
               "recall_micro": report["micro avg"]["recall"]}
    for kind, row in report.items():
        if not kind.endswith(" avg"):
            metrics.update({f"{kind}.precision": row["precision"], f"{kind}.recall": row["recall"],
                            f"{kind}.f1": row["f1-score"]})
    return {k: float(v) for k, v in metrics.items()}, _plain(report)


def single_label_metrics(gold: list[str], pred: list[str], labels: list[str]) -> tuple[dict[str, float], dict]:
    """Accuracy and macro, micro and weighted F1 (over the labels present in gold or predictions, as
    scikit-learn's default), plus the per-class report over all ``labels``."""
    metrics = {"accuracy": accuracy_score(gold, pred)}
    present = [label for label in labels if label in set(gold) | set(pred)]
    for average in ("macro", "micro", "weighted"):
        metrics[f"f1_{average}"] = f1_score(gold, pred, labels=present, average=average, zero_division=0)
    report = classification_report(gold, pred, labels=labels, output_dict=True, zero_division=0)
    metrics.update({f"{label}.f1": report[label]["f1-score"] for label in labels})
    return {k: float(v) for k, v in metrics.items()}, _plain(report)


def example_based_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    """Mean over examples of 2|P∩G| / (|P|+|G|), skipping examples where both are empty (ConfliBERT's definition);
    1.0 when every example is empty on both sides."""
    inter = (gold & pred).sum(axis=1)
    sizes = gold.sum(axis=1) + pred.sum(axis=1)
    keep = sizes > 0
    return float((2 * inter[keep] / sizes[keep]).mean()) if keep.any() else 1.0


def binarize(label_sets: list[list[str]], labels: list[str]) -> np.ndarray:
    """(n, len(labels)) 0/1 matrix of label sets."""
    return MultiLabelBinarizer(classes=labels).fit_transform(label_sets).astype(bool)


def multi_label_metrics(gold: list[list[str]], pred: list[list[str]],
                        labels: list[str]) -> tuple[dict[str, float], dict]:
    """Example-based F1, label micro/macro F1, and per-label P/R/F1."""
    g, p = binarize(gold, labels), binarize(pred, labels)
    metrics = {"example_f1": example_based_f1(g, p),
               "f1_micro": f1_score(g, p, average="micro", zero_division=0),
               "f1_macro": f1_score(g, p, average="macro", zero_division=0),
               "exact_match": accuracy_score(g, p)}
    report = classification_report(g, p, target_names=labels, output_dict=True, zero_division=0)
    metrics.update({f"{label}.f1": report[label]["f1-score"] for label in labels})
    return {k: float(v) for k, v in metrics.items()}, _plain(report)


def tune_thresholds(probs: np.ndarray, gold: np.ndarray, labels: list[str], grid: np.ndarray = GRID,
                    rounds: int = 3) -> dict[str, float]:
    """Per-label thresholds that maximise example-based F1, the multi-label primary metric: coordinate ascent from
    0.5, one label at a time over the grid, for at most ``rounds`` passes; a threshold moves only when it raises
    the score (ties: the cut closest to 0.5)."""
    ranked = sorted(grid, key=lambda t: abs(t - 0.5))
    cuts = np.full(len(labels), 0.5)
    best = example_based_f1(gold, probs >= cuts)
    for _ in range(rounds):
        moved = False
        for j in range(len(labels)):
            for t in ranked:
                trial = cuts.copy()
                trial[j] = t
                score = example_based_f1(gold, probs >= trial)
                if score > best + 1e-12:
                    cuts, best, moved = trial, score, True
        if not moved:
            break
    return {label: float(cut) for label, cut in zip(labels, cuts, strict=True)}


def crossfit_example_f1(probs: np.ndarray, gold: np.ndarray, labels: list[str], folds: int = 5,
                        seed: int = 0) -> float:
    """Example-based F1 when each fold is decided with thresholds tuned on the other folds: what tuning is worth
    on examples it has not seen (the tuned thresholds' own dev score is optimistic)."""
    order = np.random.default_rng(seed).permutation(len(probs))
    pred = np.zeros_like(gold, dtype=bool)
    for part in np.array_split(order, folds):
        rest = np.setdiff1d(order, part)
        cuts = tune_thresholds(probs[rest], gold[rest], labels)
        pred[part] = probs[part] >= np.array([cuts[label] for label in labels])
    return example_based_f1(gold, pred)


def choose_thresholds(probs: np.ndarray, gold: np.ndarray,
                      labels: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Tuned thresholds when their cross-fitted example F1 beats 0.5 on dev, else 0.5 for every label; with the
    evidence (``at_0.5``, ``crossfit``, ``tuned``: 1.0 when the tuned thresholds were kept, and ``held_out``: the
    kept rule's score with no cut tuned on the examples it scores, i.e. ``crossfit`` when tuned, else ``at_0.5``;
    the kept model's own dev score is in-sample, and optimistic, when tuned cuts are kept. Dev still chose between
    the two, so ``held_out`` may be slightly optimistic too)."""
    at_half = example_based_f1(gold, probs >= 0.5)
    crossfit = crossfit_example_f1(probs, gold, labels)
    keep = crossfit > at_half
    thresholds = tune_thresholds(probs, gold, labels) if keep else {label: 0.5 for label in labels}
    return thresholds, {"at_0.5": at_half, "crossfit": crossfit, "tuned": float(keep),
                        "held_out": crossfit if keep else at_half}


def _plain(report: dict) -> dict:
    """A JSON-able copy of a report (numpy numbers to floats)."""
    return {k: _plain(v) if isinstance(v, dict) else float(v) for k, v in report.items()}
