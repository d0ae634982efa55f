"""Per-run figures logged as MLflow artifacts under ``figures/``: training curves, confusion matrix, per-label F1
bars, and precision-recall curves with the chosen thresholds of multi-label tasks."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mlflow  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402


def _log(fig: plt.Figure, artifact: str) -> None:
    fig.tight_layout()
    mlflow.log_figure(fig, artifact)
    plt.close(fig)


def log_confusion_matrix(matrix: np.ndarray, labels: list[str], title: str,
                         artifact: str = "figures/confusion_matrix.png") -> None:
    """A confusion matrix (rows gold, columns predicted) as a PNG."""
    size = max(4.0, 0.6 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, str(value), ha="center", va="center",
                color="white" if value > matrix.max() / 2 else "black")
    _log(fig, artifact)


def log_training_curves(history: list[Mapping[str, float]], metric: str,
                        artifact: str = "figures/training_curves.png") -> None:
    """Training and dev loss, and the dev ``metric``, per epoch (from the Trainer's log history)."""
    fig, (loss_ax, metric_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("loss", "train loss"), ("eval_loss", "dev loss")):
        points = [(row["epoch"], row[key]) for row in history if key in row]
        if points:
            loss_ax.plot(*zip(*points), marker="o", label=label)
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("loss")
    loss_ax.legend()
    points = [(row["epoch"], row[f"eval_{metric}"]) for row in history if f"eval_{metric}" in row]
    if points:
        metric_ax.plot(*zip(*points), marker="o", color="tab:green")
    metric_ax.set_xlabel("epoch")
    metric_ax.set_ylabel(f"dev {metric}")
    metric_ax.set_title(f"dev {metric} per epoch")
    _log(fig, artifact)


def log_per_label_f1(metrics: Mapping[str, float], title: str, artifact: str = "figures/per_label_f1.png") -> None:
    """A horizontal bar per label of its ``<label>.f1`` metric."""
    scores = {k.removesuffix(".f1"): v for k, v in metrics.items() if k.endswith(".f1")}
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.35 * len(scores) + 1)))
    names = sorted(scores, key=scores.get)
    ax.barh(names, [scores[n] for n in names], color="tab:blue")
    for y, name in enumerate(names):
        ax.text(min(scores[name] + 0.01, 0.9), y, f"{scores[name]:.2f}", va="center")
    ax.set_xlim(0, 1)
    ax.set_xlabel("F1")
    ax.set_title(title)
    _log(fig, artifact)


def log_pr_curves(probs: np.ndarray, gold: np.ndarray, labels: list[str], thresholds: Mapping[str, float],
                  artifact: str = "figures/pr_curves.png") -> None:
    """For each label of a multi-label task, its precision-recall curve with the chosen threshold marked."""
    cols = min(3, len(labels))
    rows = -(-len(labels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.5 * rows), squeeze=False)
    for ax, (j, label) in zip(axes.flat, enumerate(labels)):
        ax.set_title(label)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        if not gold[:, j].any():
            ax.text(0.5, 0.5, "no positive dev example", ha="center")
            continue
        precision, recall, _ = precision_recall_curve(gold[:, j], probs[:, j])
        ax.plot(recall, precision)
        threshold = thresholds.get(label, 0.5)
        chosen = probs[:, j] >= threshold
        hits = (chosen & gold[:, j]).sum()
        p = hits / chosen.sum() if chosen.any() else 1.0
        r = hits / gold[:, j].sum()
        ax.plot([r], [p], "o", color="tab:red", label=f"threshold {threshold:.2f}")
        ax.legend(loc="lower left")
    for ax in list(axes.flat)[len(labels):]:
        ax.axis("off")
    _log(fig, artifact)
