"""A linear-chain CRF over a token classifier (``crf=true``): learned tag-to-tag transition scores, trained with
the encoder on the sequence negative log-likelihood, and saved in the model's ``conflict_news.json``, where
Viterbi decoding adds them to the IOB2 constraints (``inference.spans.viterbi_tags``).

The labelled positions of a window (each word's first subword) form one chain, and the classifier's logits are
its emission scores. No IOB2 constraint is imposed while training: a window may start inside an entity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn
from transformers import PreTrainedModel, Trainer

from inference.windows import IGNORE_INDEX

PARAMETER = "crf_transitions"  # the transitions' name on the model while it trains (and in its checkpoints)


def check_crf(crf: bool, task: str) -> None:
    """Refuse ``crf=true`` for a task that does not tag words, before anything is trained."""
    if crf and task != "token":
        raise ValueError(f"crf=true applies to token tasks only, not to data.task={task!r}")


def add_transitions(model: PreTrainedModel, n_labels: int) -> nn.Parameter:
    """Register zero-initialised (n_labels × n_labels) transition scores on ``model``, so that the Trainer's
    checkpoints hold them (a resumed run continues them), and return them."""
    transitions = nn.Parameter(torch.zeros(n_labels, n_labels))
    model.register_parameter(PARAMETER, transitions)
    return transitions


def take_transitions(model: PreTrainedModel) -> list[list[float]]:
    """Remove the transition scores from ``model`` (its saved folder stays a plain Hugging Face classifier) and
    return them, for ``TaskMeta.transitions``."""
    transitions = getattr(model, PARAMETER)
    delattr(model, PARAMETER)
    return transitions.detach().float().cpu().tolist()


def chains(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The labelled positions of each row moved to the front, in order: (batch, n, n_labels) emissions, (batch, n)
    tags (0 past a row's end) and the (batch, n) mask of real positions, ``n`` the longest chain."""
    labelled = labels != IGNORE_INDEX
    n = int(labelled.sum(dim=1).max()) if labels.numel() else 0
    order = torch.argsort((~labelled).to(torch.int8), dim=1, stable=True)[:, :n]
    emissions = logits.gather(1, order.unsqueeze(-1).expand(-1, -1, logits.shape[-1]))
    mask = labelled.gather(1, order)
    return emissions, labels.gather(1, order).where(mask, 0), mask


def sequence_nll(logits: torch.Tensor, labels: torch.Tensor, transitions: torch.Tensor) -> torch.Tensor:
    """The summed negative log-likelihood of each row's gold tag chain under the CRF (rows without a labelled
    position add nothing)."""
    emissions, tags, mask = chains(logits.float(), labels)
    if emissions.shape[1] == 0:
        return logits.sum() * 0.0
    transitions = transitions.float()
    gold = emissions.gather(2, tags.unsqueeze(-1)).squeeze(-1)
    steps = transitions[tags[:, :-1], tags[:, 1:]]
    gold_score = (gold * mask).sum(dim=1) + (steps * mask[:, 1:]).sum(dim=1)
    alpha = emissions[:, 0]  # log-sum of the scores of every chain ending in each tag
    for i in range(1, emissions.shape[1]):
        step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, i]
        alpha = torch.where(mask[:, i].unsqueeze(1), step, alpha)
    return ((torch.logsumexp(alpha, dim=1) - gold_score) * mask[:, 0]).sum()


def crf_loss(transitions: nn.Parameter, plus: Callable[..., torch.Tensor] | None = None
             ) -> Callable[..., torch.Tensor]:
    """A Trainer ``compute_loss_func``: the CRF's negative log-likelihood, summed over chains and divided by the
    number of labelled words (``num_items_in_batch`` when the Trainer gives it, so gradient accumulation stays
    exact and the loss keeps the per-word scale of a cross-entropy), plus the loss ``plus`` (another
    ``compute_loss_func``, e.g. the class-weighted cross-entropy of the logits) if given."""

    def compute(outputs: Mapping[str, torch.Tensor], labels: torch.Tensor,
                num_items_in_batch: torch.Tensor | int | None = None) -> torch.Tensor:
        items = num_items_in_batch if num_items_in_batch is not None else (labels != IGNORE_INDEX).sum()
        loss = sequence_nll(outputs["logits"], labels, transitions) / items
        return loss if plus is None else loss + plus(outputs, labels, num_items_in_batch)

    return compute


class CrfTrainer(Trainer):
    """A Trainer whose optimizer updates the CRF's transitions at their own learning rate, without weight decay:
    at an encoder's rate they would barely move from zero in a fine-tuning run. The scheduler's warmup and decay
    apply to both rates."""

    def __init__(self, *args, crf_learning_rate: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.crf_learning_rate = crf_learning_rate

    def create_optimizer(self, model: nn.Module | None = None) -> torch.optim.Optimizer:
        optimizer = super().create_optimizer(model)
        if any(group.get("name") == PARAMETER for group in optimizer.param_groups):
            return optimizer
        transitions = getattr(self.model if model is None else model, PARAMETER)
        for group in optimizer.param_groups:
            group["params"] = [p for p in group["params"] if p is not transitions]
        optimizer.add_param_group({"params": [transitions], "lr": self.crf_learning_rate, "weight_decay": 0.0,
                                   "name": PARAMETER})
        return optimizer
