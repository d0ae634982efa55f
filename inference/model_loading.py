"""Load whichever model a folder holds: a fine-tuned classifier or a zero-shot similarity typer."""

from __future__ import annotations

import json
from pathlib import Path

from inference.similarity_typer import SimilarityTyper
from inference.task_model import META_FILE, TaskModel


def load_task_model(path: str | Path, precision: str = "auto",
                    batch_size: int = 32) -> TaskModel | SimilarityTyper:
    """A TaskModel or a SimilarityTyper, by the ``task`` in the folder's ``conflict_news.json``."""
    meta = json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
    if meta.get("task") == "similarity":
        return SimilarityTyper.load(path, precision, batch_size)
    return TaskModel.load(path, precision, batch_size)
