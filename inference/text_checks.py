"""Checks on the texts a predictor is given, shared by the Python API, the CLI and the MLflow models."""

from __future__ import annotations


def surrogate_problem(text: str) -> str | None:
    """Why ``text`` is not valid Unicode text, or None: a string holding an unpaired surrogate (which a JSON
    ``\\ud800`` escape or a lossy decoder gives) cannot be encoded, tokenized or written back as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        return f"unpaired surrogate U+{ord(text[err.start]):04X} at character {err.start} (not valid Unicode text)"
    return None
