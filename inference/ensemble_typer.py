"""A weighted average of several typers' probabilities (e.g. a fine-tuned classifier and the zero-shot typer).

The folder holds ``conflict_news.json`` (``task: ensemble``), ``ensemble.json`` (``{"members": [{"dir", "weight"}]}``)
and one sub-folder per member. All members must have the same labels in the same order.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from inference.task_model import TaskMeta, read_meta, write_meta

ENSEMBLE_FILE = "ensemble.json"


class EnsembleTyper:
    """Same typing interface as a single-label TaskModel: ``meta.labels`` and ``text_probs(texts)``."""

    def __init__(self, members: list, weights: list[float], meta: TaskMeta) -> None:
        if len(members) != len(weights) or not members:
            raise ValueError("an ensemble needs one weight per member, and at least one member")
        for member in members:
            if member.meta.task not in ("single_label", "similarity", "ensemble"):
                raise ValueError(f"ensemble members must be single-label typers, not {member.meta.task!r}")
            if list(member.meta.labels) != list(meta.labels):
                raise ValueError(f"ensemble member labels differ: {member.meta.labels} vs {meta.labels}")
        total = float(sum(weights))
        self.members, self.weights, self.meta = members, [w / total for w in weights], meta

    @classmethod
    def load(cls, path: str | Path, precision: str = "auto", batch_size: int = 32,
             backend: str = "torch") -> "EnsembleTyper":
        from inference.model_loading import load_task_model  # the loader dispatches back to this class

        path = Path(path)
        meta = read_meta(path)
        spec = json.loads((path / ENSEMBLE_FILE).read_text(encoding="utf-8"))
        members = [load_task_model(path / m["dir"], precision, batch_size, backend) for m in spec["members"]]
        return cls(members, [m["weight"] for m in spec["members"]], meta)

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
        """The weighted mean of the members' probabilities."""
        return sum(w * m.text_probs(texts) for m, w in zip(self.members, self.weights))
