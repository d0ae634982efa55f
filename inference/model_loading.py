"""Load whichever model a folder holds: a fine-tuned classifier, a zero-shot similarity typer or an ensemble."""

from __future__ import annotations

from pathlib import Path

from inference.ensemble import Ensemble
from inference.similarity_typer import SimilarityTyper
from inference.task_model import TaskModel, read_meta


def load_task_model(path: str | Path, precision: str = "auto", batch_size: int = 32,
                    backend: str = "torch") -> TaskModel | SimilarityTyper | Ensemble:
    """A TaskModel, SimilarityTyper or Ensemble (a typer or a seed ensemble), by the folder's
    ``conflict_news.json``; ``backend`` is ``torch``, ``onnx`` or ``onnx-int8`` (see ``inference.onnx_runtime``)."""
    meta = read_meta(path)
    if meta.ensemble or meta.task == "ensemble":
        return Ensemble.load(path, precision, batch_size, backend)
    loader = SimilarityTyper.load if meta.task == "similarity" else TaskModel.load
    return loader(path, precision, batch_size, backend)
