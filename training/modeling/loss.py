"""Losses the Trainer gets as ``compute_loss_func``.

- Class-weighted cross-entropy (``class_weights=sqrt_inverse``): rare labels weigh more. Token and single-label
  tasks only (their loss is a softmax cross-entropy); the weights are computed from the training targets after
  windowing, so they count what the loss sees.
- Soft-target cross-entropy, for single-label training sets whose targets are probabilities (distillation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from inference.windows import IGNORE_INDEX

SCHEMES = ("sqrt_inverse",)


def check_scheme(scheme: str | None, task: str) -> None:
    """Refuse a ``class_weights`` setting that does not apply, before anything is trained."""
    if scheme is None:
        return
    _require_known(scheme)
    if task == "multi_label":
        raise ValueError("class_weights weighs a softmax cross-entropy: token and single_label tasks only, "
                         "not data.task=multi_label")


def _require_known(scheme: str) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"class_weights must be null or one of {list(SCHEMES)}, not {scheme!r}")


def label_counts(targets: Sequence[int | Sequence[int]], n_labels: int) -> np.ndarray:
    """Training targets per label id: one per window (single-label) or per labelled position (token tasks;
    ``IGNORE_INDEX`` positions are not counted)."""
    counts = np.zeros(n_labels, dtype=np.int64)
    for row in targets:
        ids = np.atleast_1d(np.asarray(row, dtype=np.int64))
        counts += np.bincount(ids[ids != IGNORE_INDEX], minlength=n_labels)
    return counts


def class_weights(counts: np.ndarray, scheme: str) -> np.ndarray:
    """Per label, ``count ** -0.5`` (``sqrt_inverse``), scaled so that the mean weight over the training targets
    is 1 (the loss keeps its scale); labels without a target get 1."""
    _require_known(scheme)
    seen = counts > 0
    if not seen.any():
        raise ValueError("class_weights: the training set has no labelled targets")
    weights = np.ones(len(counts))
    weights[seen] = counts[seen] ** -0.5
    weights[seen] /= (weights[seen] * counts[seen]).sum() / counts[seen].sum()
    return weights


def weighted_cross_entropy(weights: torch.Tensor) -> Callable[..., torch.Tensor]:
    """A Trainer ``compute_loss_func``: cross-entropy with per-class ``weights``, summed and divided by the number
    of targets (``num_items_in_batch`` when the Trainer gives it, so gradient accumulation stays exact)."""

    def compute(outputs: Mapping[str, torch.Tensor], labels: torch.Tensor,
                num_items_in_batch: torch.Tensor | int | None = None) -> torch.Tensor:
        logits = outputs["logits"]
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), labels.reshape(-1),
                               weight=weights.to(logits.device), ignore_index=IGNORE_INDEX, reduction="sum")
        items = num_items_in_batch if num_items_in_batch is not None else (labels != IGNORE_INDEX).sum()
        return loss / items

    return compute


def soft_cross_entropy(outputs: Mapping[str, torch.Tensor], labels: torch.Tensor,
                       num_items_in_batch: torch.Tensor | int | None = None) -> torch.Tensor:
    """A Trainer ``compute_loss_func`` for single-label logits: cross-entropy against target distributions
    ((batch, n_labels) float labels) or label ids (a dev set with gold labels), summed and divided by the number
    of windows. The Trainer counts every entry of 2-D labels as an item, so its count is divided by the number
    of labels (gradient accumulation stays exact)."""
    logits = outputs["logits"].float()
    soft = labels.dim() == 2
    loss = F.cross_entropy(logits, labels.float() if soft else labels, reduction="sum")
    if num_items_in_batch is None:
        return loss / labels.shape[0]
    return loss / (num_items_in_batch / labels.shape[-1] if soft else num_items_in_batch)
