"""MLflow models-from-code entry point for one task model or seed ensemble (``artifacts["model"]`` = its folder).

Output: one row per input text; token models give an ``entities`` column (list of
``{start, end, text, label, score}``), text classifiers and typers ``labels`` (list) and ``scores``
({label: probability}).
An ``id`` column in the input is copied through. ``model_config`` takes ``precision``,
``batch_size`` and ``backend``.
"""

from __future__ import annotations

from collections.abc import Mapping

import mlflow
import pandas as pd

from inference.model_loading import load_task_model
from inference.pyfunc_base import TextsPyfunc, runtime_settings
from inference.task_model import classify


class TaskPyfunc(TextsPyfunc):
    ARTIFACT = "model"

    def load(self, folder: str, settings: Mapping[str, object]) -> None:
        self.model = load_task_model(folder, **runtime_settings(settings))

    def rows(self, texts: list[str]) -> pd.DataFrame:
        if self.model.meta.task == "token":
            return pd.DataFrame({"entities": self.model.entities(texts)})
        return pd.DataFrame(classify(self.model, texts))


mlflow.models.set_model(TaskPyfunc())
