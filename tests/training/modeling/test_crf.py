"""The CRF's likelihood against enumeration of every tag chain, and its training-time plumbing."""

import itertools

import pytest
import torch

from training.modeling.crf import add_transitions, chains, check_crf, crf_loss, sequence_nll, take_transitions
from training.modeling.loss import weighted_cross_entropy


def _brute_force_nll(logits: torch.Tensor, labels: torch.Tensor, transitions: torch.Tensor) -> float:
    total = 0.0
    for row_logits, row_labels in zip(logits, labels):
        keep = row_labels != -100
        emissions, gold = row_logits[keep], row_labels[keep].tolist()
        if not gold:
            continue

        def path_score(path):
            return (sum(emissions[i, t] for i, t in enumerate(path))
                    + sum(transitions[a, b] for a, b in zip(path, path[1:])))

        scores = torch.stack([path_score(p) for p in itertools.product(range(logits.shape[-1]), repeat=len(gold))])
        total += float(torch.logsumexp(scores, 0) - path_score(gold))
    return total


def test_the_likelihood_matches_enumerating_every_chain_of_labelled_positions():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 6, 3, generator=generator)
    transitions = torch.randn(3, 3, generator=generator)
    # labels on first subwords only; the last row has none (a window of special tokens) and adds nothing
    labels = torch.tensor([[-100, 0, 1, -100, 2, -100], [2, 2, 0, 1, -100, -100], [-100] * 6])
    assert float(sequence_nll(logits, labels, transitions)) == pytest.approx(
        _brute_force_nll(logits, labels, transitions), rel=1e-5)
    emissions, tags, mask = chains(logits, labels)
    assert emissions.shape == (3, 4, 3) and mask.sum(1).tolist() == [3, 4, 0]
    assert torch.equal(emissions[0, :3], logits[0, [1, 2, 4]]) and tags[0].tolist() == [0, 1, 2, 0]


def test_the_loss_is_per_labelled_word_and_trains_the_transitions():
    logits = torch.randn(2, 4, 3, requires_grad=True)
    labels = torch.tensor([[0, 1, -100, 2], [1, -100, -100, -100]])
    transitions = torch.nn.Parameter(torch.zeros(3, 3))
    loss = crf_loss(transitions)({"logits": logits}, labels)
    assert loss.item() == pytest.approx(sequence_nll(logits, labels, transitions).item() / 4)
    assert crf_loss(transitions)({"logits": logits}, labels, num_items_in_batch=8).item() == pytest.approx(
        loss.item() / 2)  # gradient accumulation: the Trainer's count over all accumulated batches
    with_weights = crf_loss(transitions, plus=weighted_cross_entropy(torch.tensor([1.0, 2.0, 0.5])))
    assert with_weights({"logits": logits}, labels).item() == pytest.approx(
        loss.item() + weighted_cross_entropy(torch.tensor([1.0, 2.0, 0.5]))({"logits": logits}, labels).item())
    loss.backward()
    assert transitions.grad.abs().sum() > 0 and logits.grad.abs().sum() > 0


def test_transitions_ride_on_the_model_while_training_and_leave_it_plain(tiny_model):
    model, _ = tiny_model("token", ["O", "B-X", "I-X"])
    transitions = add_transitions(model, 3)
    assert any(p is transitions for p in model.parameters())  # the optimizer and checkpoints see them
    with torch.no_grad():
        transitions[0, 2] = -3.0
    taken = take_transitions(model)
    assert taken[0][2] == -3.0 and len(taken) == 3
    assert "crf_transitions" not in model.state_dict()


def test_crf_is_refused_for_text_tasks():
    check_crf(False, "multi_label")
    check_crf(True, "token")
    with pytest.raises(ValueError, match="token tasks only"):
        check_crf(True, "single_label")
