"""What the MLflow models-from-code entry points (``pyfunc_task.py``, ``pyfunc_predictor.py``) share: the load-time
settings and their defaults, the ``text`` column in, one row per text out, and an ``id`` column copied through."""

from __future__ import annotations

from collections.abc import Mapping

import mlflow
import pandas as pd

from inference.frames import texts_from_frame, with_ids

# overridable at load time: load_model(uri, model_config={...}) or $MLFLOW_PYFUNC_INFERENCE_CONFIG
LOAD_SETTINGS = {"precision": "auto", "batch_size": 32, "backend": "torch"}


def runtime_settings(settings: Mapping[str, object]) -> dict[str, object]:
    """``precision``, ``batch_size`` and ``backend`` from the load-time ``settings``, defaults filled in."""
    return {"precision": settings.get("precision", LOAD_SETTINGS["precision"]),
            "batch_size": int(settings.get("batch_size", LOAD_SETTINGS["batch_size"])),
            "backend": settings.get("backend", LOAD_SETTINGS["backend"])}


class TextsPyfunc(mlflow.pyfunc.PythonModel):
    """A pyfunc over texts: ``load`` gets the folder of the artifact ``ARTIFACT`` and the load-time settings
    (``model_config``); ``rows`` gives one output row per text."""

    ARTIFACT: str

    def load(self, folder: str, settings: Mapping[str, object]) -> None:
        raise NotImplementedError

    def rows(self, texts: list[str]) -> pd.DataFrame:
        raise NotImplementedError

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        self.load(context.artifacts[self.ARTIFACT], context.model_config or {})

    def predict(self, context: mlflow.pyfunc.PythonModelContext, model_input: pd.DataFrame,
                params: dict | None = None) -> pd.DataFrame:
        return with_ids(model_input, self.rows(texts_from_frame(model_input)))
