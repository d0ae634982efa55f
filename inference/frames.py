"""Validation of the DataFrames that MLflow pyfunc models receive."""

from __future__ import annotations

import pandas as pd


def texts_from_frame(frame: pd.DataFrame) -> list[str]:
    """The ``text`` column as strings; a missing column or a non-string value is an error naming the row."""
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    if "text" not in frame.columns:
        raise ValueError(f"input has no 'text' column (columns: {list(frame.columns)})")
    texts = []
    for row, value in enumerate(frame["text"].tolist()):
        if not isinstance(value, str):
            raw_id = frame["id"].iloc[row] if "id" in frame.columns else None
            label = f"row {row}" + (f" (id {raw_id!r})" if raw_id is not None else "")
            raise ValueError(f"{label}: 'text' must be a string, got {type(value).__name__}")
        texts.append(value)
    return texts


def with_ids(model_input: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """``out`` with the input's ``id`` column (if any) copied in front."""
    if isinstance(model_input, pd.DataFrame) and "id" in model_input.columns:
        out.insert(0, "id", model_input["id"].tolist())
    return out
