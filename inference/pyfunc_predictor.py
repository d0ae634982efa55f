"""MLflow models-from-code entry point for the article predictor (``artifacts["predictor"]`` = its folder).

Input: a DataFrame with a ``text`` column and an optional ``id`` column. Output: one row per text with one
JSON-able column per field: ``entities``, ``events`` and ``non_acled_events`` (lists of objects), and ``id``
when given.
``model_config`` (at load time: ``mlflow.pyfunc.load_model(uri, model_config={...})``) takes ``precision``
(``auto``/``bf16``/``fp32``), ``batch_size``, ``backend`` (``torch``/``onnx``/``onnx-int8``) and ``tasks``
(``["entities"]``, ``["events"]`` or both, the default; only their models load and only their columns come out).
"""

from __future__ import annotations

from collections.abc import Mapping

import mlflow
import pandas as pd

from inference.predictor import PREDICTOR_TASKS, Predictor
from inference.pyfunc_base import TextsPyfunc, runtime_settings


class PredictorPyfunc(TextsPyfunc):
    ARTIFACT = "predictor"

    def load(self, folder: str, settings: Mapping[str, object]) -> None:
        self.predictor = Predictor.load(folder, **runtime_settings(settings),
                                        tasks=settings.get("tasks", tuple(PREDICTOR_TASKS)))

    def rows(self, texts: list[str]) -> pd.DataFrame:
        return pd.DataFrame(self.predictor.predict_batch(texts), columns=self.predictor.fields)


mlflow.models.set_model(PredictorPyfunc())
