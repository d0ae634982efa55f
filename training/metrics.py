"""Task metrics, computed with seqeval and scikit-learn."""

from __future__ import annotations

import numpy as np
from seqeval.metrics import classification_report as seqeval_report
from seqeval.metrics import f1_score as seqeval_f1
from sklearn.metrics import accuracy_score, classification_report, f1_score, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

PRIMARY_METRIC = {"token": "f1_micro", "single_label": "f1_macro", "multi_label": "example_f1"}


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


def tune_thresholds(probs: np.ndarray, gold: np.ndarray, labels: list[str],
                    grid: np.ndarray | None = None) -> dict[str, float]:
    """Per label, the threshold on the grid that maximises that label's F1 (ties: the one closest to 0.5)."""
    grid = np.round(np.arange(0.05, 0.951, 0.05), 2) if grid is None else grid
    ranked = sorted(grid, key=lambda t: abs(t - 0.5))
    out = {}
    for j, label in enumerate(labels):
        scores = [precision_recall_fscore_support(gold[:, j], probs[:, j] >= t, average="binary",
                                                  zero_division=0)[2] for t in ranked]
        out[label] = float(ranked[int(np.argmax(scores))])
    return out


def _plain(report: dict) -> dict:
    """A JSON-able copy of a report (numpy numbers to floats)."""
    return {k: _plain(v) if isinstance(v, dict) else float(v) for k, v in report.items()}
