"""MLflow models-from-code entry point for one fine-tuned task model (``artifacts["model"]`` = its folder).

Output: one row per input text; token models give an ``entities`` column (list of
``{start, end, text, label, score}``), text classifiers ``labels`` (list) and ``scores`` ({label: probability}).
An ``id`` column in the input is copied through.
"""

from __future__ import annotations

import mlflow
import pandas as pd

from inference.frames import texts_from_frame
from inference.task_model import TaskModel


class TaskPyfunc(mlflow.pyfunc.PythonModel):
    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        self.model = TaskModel.load(context.artifacts["model"])

    def predict(self, context: mlflow.pyfunc.PythonModelContext, model_input: pd.DataFrame,
                params: dict | None = None) -> pd.DataFrame:
        texts = texts_from_frame(model_input)
        if self.model.meta.task == "token":
            out = pd.DataFrame({"entities": self.model.entities(texts)})
        else:
            out = pd.DataFrame(self.model.classify(texts))
        if isinstance(model_input, pd.DataFrame) and "id" in model_input.columns:
            out.insert(0, "id", model_input["id"].tolist())
        return out


mlflow.models.set_model(TaskPyfunc())
