"""MLflow models-from-code entry point for the article predictor (``artifacts["predictor"]`` = its folder).

Input: a DataFrame with a ``text`` column and an optional ``id`` column. Output: one row per text with one
JSON-able column per field: ``entities``, ``events`` and ``non_acled_events`` (lists of objects), and ``id``
when given.
``model_config`` (at load time: ``mlflow.pyfunc.load_model(uri, model_config={...})``) takes ``precision``
(``auto``/``bf16``/``fp32``), ``batch_size``, ``backend`` (``torch``/``onnx``/``onnx-int8``) and ``tasks``
(``["entities"]``, ``["events"]`` or both, the default; only their models load and only their columns come out).
"""

from __future__ import annotations

import mlflow
import pandas as pd

from inference.frames import texts_from_frame, with_ids
from inference.predictor import TASKS, Predictor


class PredictorPyfunc(mlflow.pyfunc.PythonModel):
    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        settings = context.model_config or {}
        self.predictor = Predictor.load(context.artifacts["predictor"], precision=settings.get("precision", "auto"),
                                        batch_size=int(settings.get("batch_size", 32)),
                                        backend=settings.get("backend", "torch"),
                                        tasks=settings.get("tasks", tuple(TASKS)))

    def predict(self, context: mlflow.pyfunc.PythonModelContext, model_input: pd.DataFrame,
                params: dict | None = None) -> pd.DataFrame:
        texts = texts_from_frame(model_input)
        out = pd.DataFrame(self.predictor.predict_batch(texts), columns=self.predictor.fields)
        return with_ids(model_input, out)


mlflow.models.set_model(PredictorPyfunc())
