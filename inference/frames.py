"""Validation of the DataFrames that MLflow pyfunc models receive."""

from __future__ import annotations

import pandas as pd

from inference.text_checks import surrogate_problem


def texts_from_frame(frame: pd.DataFrame) -> list[str]:
    """The ``text`` column as strings; a missing column, a non-string value or one that is not valid Unicode text
    (an unpaired surrogate) is an error naming the row."""
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    if "text" not in frame.columns:
        raise ValueError(f"input has no 'text' column (columns: {list(frame.columns)})")
    texts = []
    for row, value in enumerate(frame["text"].tolist()):
        problem = (f"must be a string, got {type(value).__name__}" if not isinstance(value, str)
                   else surrogate_problem(value))
        if problem:
            raw_id = frame["id"].iloc[row] if "id" in frame.columns else None
            label = f"row {row}" + (f" (id {raw_id!r})" if raw_id is not None else "")
            raise ValueError(f"{label}: 'text' {problem}")
        texts.append(value)
    return texts


def with_ids(model_input: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """``out`` with the input's ``id`` column (if any) copied in front."""
    if isinstance(model_input, pd.DataFrame) and "id" in model_input.columns:
        out.insert(0, "id", model_input["id"].tolist())
    return out
