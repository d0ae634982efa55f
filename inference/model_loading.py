"""Load whichever model a folder holds: a fine-tuned classifier, a zero-shot similarity typer or an ensemble."""

from __future__ import annotations

from pathlib import Path

from inference.ensemble_typer import EnsembleTyper
from inference.similarity_typer import SimilarityTyper
from inference.task_model import TaskModel, read_meta


def load_task_model(path: str | Path, precision: str = "auto", batch_size: int = 32,
                    backend: str = "torch") -> TaskModel | SimilarityTyper | EnsembleTyper:
    """A TaskModel, SimilarityTyper or EnsembleTyper, by the ``task`` in the folder's ``conflict_news.json``;
    ``backend`` is ``torch``, ``onnx`` or ``onnx-int8`` (see ``inference.onnx_runtime``)."""
    task = read_meta(path).task
    loader = {"similarity": SimilarityTyper.load, "ensemble": EnsembleTyper.load}.get(task, TaskModel.load)
    return loader(path, precision, batch_size, backend)
