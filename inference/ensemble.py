"""A weighted average of several models' probabilities, served as one model.

Two kinds share the folder layout (``conflict_news.json``, ``ensemble.json`` with
``{"members": [{"dir", "weight"}]}`` and one sub-folder per member; all members have the same labels in the same
order; ``inference.model_loading`` loads one):

- an event typer ensemble (``task: ensemble``): single-label typers, e.g. a fine-tuned classifier and the
  zero-shot typer;
- a seed ensemble (``ensemble: true``, schema 3, 4 for taggers decoded with argmax, 5 for CRF taggers): models
  of one task trained with different seeds, equally weighted (CRF taggers: their mean transition scores too).
  It tags, classifies and finds entities as one model of that task would; multi-label members are decided at
  0.5, since their own tuned thresholds do not carry over to the mean.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from inference.task_model import Decisions, TaskMeta, write_meta

ENSEMBLE_FILE = "ensemble.json"
TYPER_TASKS = ("single_label", "similarity", "ensemble")


class Ensemble(Decisions):
    """``text_probs`` (text tasks) or ``word_probs`` (token tasks): the weighted mean of the members'."""

    def __init__(self, members: list, weights: list[float], meta: TaskMeta) -> None:
        if len(members) != len(weights) or not members:
            raise ValueError("an ensemble needs one weight per member, and at least one member")
        for member in members:
            if meta.task == "ensemble" and member.meta.task not in TYPER_TASKS:
                raise ValueError(f"typer ensemble members must be single-label typers, not {member.meta.task!r}")
            if meta.task != "ensemble" and member.meta.task != meta.task:
                raise ValueError(f"seed ensemble members must all do {meta.task!r}, not {member.meta.task!r}")
            if list(member.meta.labels) != list(meta.labels):
                raise ValueError(f"ensemble member labels differ: {member.meta.labels} vs {meta.labels}")
        total = float(sum(weights))
        self.members, self.weights, self.meta = members, [w / total for w in weights], meta

    @classmethod
    def of_seeds(cls, members: list) -> "Ensemble":
        """Equally weighted models of one task and label set (e.g. one per training seed): a seed ensemble."""
        if len(members) < 2:
            raise ValueError(f"a seed ensemble needs at least two models, got {len(members)}")
        kinds = {(member.meta.task, tuple(member.meta.labels), member.meta.decoding,
                  member.meta.transitions is not None) for member in members}
        if len(kinds) != 1:
            raise ValueError(f"seed ensemble members must share their task, labels, decoding and whether they "
                             f"were trained with a CRF, got {sorted(kinds)}")
        transitions = members[0].meta.transitions
        if transitions is not None:  # CRF members: the mean of their transition scores, as of their probabilities
            transitions = np.mean([member.meta.transitions for member in members], axis=0).tolist()
        meta = replace(members[0].meta, thresholds={}, word_shapes=False, ensemble=True, transitions=transitions)
        return cls(members, [1.0] * len(members), meta)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        spec = []
        for i, (member, weight) in enumerate(zip(self.members, self.weights)):
            name = f"member_{i}"
            member.save(path / name)
            spec.append({"dir": name, "weight": weight})
        write_meta(path, self.meta)
        (path / ENSEMBLE_FILE).write_text(json.dumps({"members": spec}, indent=2), encoding="utf-8")
        return path

    def text_probs(self, texts: list[str]) -> np.ndarray:
        """The weighted mean of the members' probabilities per text."""
        self.check_task(tags_words=False)
        return sum(w * m.text_probs(texts) for m, w in zip(self.members, self.weights))

    def text_probs_until(self, texts: list[str], settled: Callable[[np.ndarray, float], np.ndarray]) -> np.ndarray:
        """``text_probs``, except that members run from the heaviest down and, after each, the texts for which
        ``settled(partial sums, weight of the members still to run)`` is true skip the rest: their rows keep the
        partial sum. A predictor uses it to stop typing a span whose decision no later member can change."""
        self.check_task(tags_words=False)
        total = np.zeros((len(texts), len(self.meta.labels)))
        pending, rest = np.arange(len(texts)), 1.0
        for k in sorted(range(len(self.members)), key=lambda k: -self.weights[k]):
            if pending.size:
                total[pending] += self.weights[k] * self.members[k].text_probs([texts[i] for i in pending])
            rest -= self.weights[k]
            pending = pending[~settled(total[pending], rest)]
        return total

    def word_probs(self, words_batch: list[list[str]]) -> list[np.ndarray]:
        """Per example, the weighted mean of the members' (n_words, n_labels) probabilities."""
        self.check_task(tags_words=True)
        per_member = [m.word_probs(words_batch) for m in self.members]
        return [sum(w * probs for w, probs in zip(self.weights, parts)) for parts in zip(*per_member)]
