"""MLflow models-from-code entry point for one task model or seed ensemble (``artifacts["model"]`` = its folder).

Output: one row per input text; token models give an ``entities`` column (list of
``{start, end, text, label, score}``), text classifiers and typers ``labels`` (list) and ``scores``
({label: probability}).
An ``id`` column in the input is copied through. ``model_config`` takes ``precision``,
``batch_size`` and ``backend``.
"""

from __future__ import annotations

import mlflow
import pandas as pd

from inference.frames import texts_from_frame, with_ids
from inference.model_loading import load_task_model
from inference.task_model import classify


class TaskPyfunc(mlflow.pyfunc.PythonModel):
    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        settings = context.model_config or {}
        self.model = load_task_model(context.artifacts["model"], precision=settings.get("precision", "auto"),
                                     batch_size=int(settings.get("batch_size", 32)),
                                     backend=settings.get("backend", "torch"))

    def predict(self, context: mlflow.pyfunc.PythonModelContext, model_input: pd.DataFrame,
                params: dict | None = None) -> pd.DataFrame:
        texts = texts_from_frame(model_input)
        if self.model.meta.task == "token":
            out = pd.DataFrame({"entities": self.model.entities(texts)})
        else:
            out = pd.DataFrame(classify(self.model, texts))
        return with_ids(model_input, out)


mlflow.models.set_model(TaskPyfunc())
