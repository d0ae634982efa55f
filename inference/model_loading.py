"""Load whichever model a folder holds: a fine-tuned classifier, a zero-shot similarity typer or an ensemble."""

from __future__ import annotations

import json
from pathlib import Path

from inference.ensemble import ENSEMBLE_FILE, Ensemble
from inference.similarity_typer import SimilarityTyper
from inference.task_model import TaskModel, read_meta


def load_task_model(path: str | Path, precision: str = "auto", batch_size: int = 32,
                    backend: str = "torch") -> TaskModel | SimilarityTyper | Ensemble:
    """A TaskModel, SimilarityTyper or Ensemble (a typer or a seed ensemble), by the folder's
    ``conflict_news.json``; ``backend`` is ``torch``, ``onnx`` or ``onnx-int8`` (see ``inference.onnx_runtime``)."""
    meta = read_meta(path)
    if meta.ensemble or meta.task == "ensemble":
        return load_ensemble(path, precision, batch_size, backend)
    loader = SimilarityTyper.load if meta.task == "similarity" else TaskModel.load
    return loader(path, precision, batch_size, backend)


def load_ensemble(path: str | Path, precision: str = "auto", batch_size: int = 32,
                  backend: str = "torch") -> Ensemble:
    """An ensemble folder (``Ensemble.save``): its members, each loaded by ``load_task_model``, and their weights."""
    path = Path(path)
    meta = read_meta(path)
    spec = json.loads((path / ENSEMBLE_FILE).read_text(encoding="utf-8"))
    members = [load_task_model(path / m["dir"], precision, batch_size, backend) for m in spec["members"]]
    return Ensemble(members, [m["weight"] for m in spec["members"]], meta)
