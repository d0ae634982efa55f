"""Losses: class-weighted cross-entropy (counts, weights by hand, against torch's own) and soft targets."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from training.modeling.loss import class_weights, label_counts, soft_cross_entropy, weighted_cross_entropy


def test_label_counts_skip_ignored_positions_and_take_single_labels():
    assert label_counts([[0, -100, 1, 0], [2, -100]], 4).tolist() == [2, 1, 1, 0]
    assert label_counts([1, 1, 0], 3).tolist() == [1, 2, 0]


def test_sqrt_inverse_weights_by_hand():
    # raw 90^-1/2 and 10^-1/2, scaled so the mean over the 100 targets is 1: 0.8333 and 2.5; unseen label: 1
    weights = class_weights(np.array([90, 10, 0]), "sqrt_inverse")
    assert weights == pytest.approx([5 / 6, 2.5, 1.0])
    with pytest.raises(ValueError, match="sqrt_inverse"):
        class_weights(np.array([1, 2]), "balanced")
    with pytest.raises(ValueError, match="no labelled targets"):
        class_weights(np.array([0, 0]), "sqrt_inverse")


def test_weighted_cross_entropy_matches_torch_and_divides_by_the_items():
    logits = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([[0, 3, -100], [1, -100, 2]])
    outputs = {"logits": logits}
    plain = weighted_cross_entropy(torch.ones(4))(outputs, labels)
    assert plain == pytest.approx(F.cross_entropy(logits.reshape(-1, 4), labels.reshape(-1)).item(), rel=1e-5)
    weights = torch.tensor([1.0, 2.0, 0.5, 3.0])
    per_item = F.cross_entropy(logits.reshape(-1, 4), labels.reshape(-1), reduction="none")
    expected = (per_item * torch.where(labels.reshape(-1) >= 0, weights[labels.reshape(-1).clamp(min=0)], 0)).sum()
    assert weighted_cross_entropy(weights)(outputs, labels, num_items_in_batch=8) == pytest.approx(
        (expected / 8).item(), rel=1e-5)


def test_soft_cross_entropy_takes_distributions_or_label_ids_and_counts_examples():
    logits = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    ids = torch.tensor([2, 0, 1])
    one_hot = F.one_hot(ids, 4).float()
    expected = F.cross_entropy(logits, ids).item()
    assert soft_cross_entropy({"logits": logits}, ids) == pytest.approx(expected, rel=1e-5)
    assert soft_cross_entropy({"logits": logits}, one_hot) == pytest.approx(expected, rel=1e-5)
    # the Trainer counts each of the 3 x 4 entries of 2-D labels; with accumulation, over 6 examples in all
    assert soft_cross_entropy({"logits": logits}, one_hot, num_items_in_batch=24) == pytest.approx(
        expected / 2, rel=1e-5)
    soft = torch.tensor([[0.5, 0.5, 0, 0]] * 3)
    by_hand = -(soft * logits.log_softmax(-1)).sum(-1).mean().item()
    assert soft_cross_entropy({"logits": logits}, soft) == pytest.approx(by_hand, rel=1e-5)
