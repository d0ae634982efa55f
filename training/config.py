"""Hydra set-up shared by the entry points: every TrainingArguments field becomes a ``trainer.<field>`` key."""

from __future__ import annotations

import dataclasses
import enum
import os
from typing import Any

from hydra.core.config_store import ConfigStore
from transformers import TrainingArguments

from training.events.labels import register_resolver
from training.tracking.mlflow import PROJECT_ROOT


def training_argument_defaults() -> dict[str, Any]:
    """Each init field of TrainingArguments with its default (enums as their values)."""
    out = {}
    for field in dataclasses.fields(TrainingArguments):
        if not field.init:
            continue
        value = field.default if field.default is not dataclasses.MISSING else field.default_factory()
        out[field.name] = value.value if isinstance(value, enum.Enum) else value
    return out


def explicit_training_arguments(trainer: dict[str, Any]) -> dict[str, Any]:
    """Only the fields that differ from TrainingArguments' defaults (so deprecated ones stay unset)."""
    defaults = training_argument_defaults()
    return {k: v for k, v in trainer.items() if k not in defaults or defaults[k] != v}


def register() -> None:
    """Store the TrainingArguments defaults as ``trainer/hf_defaults``, register ``${acled_labels:...}``, and
    point ``PROJECT_ROOT`` at the repo."""
    os.environ.setdefault("PROJECT_ROOT", str(PROJECT_ROOT))
    register_resolver()
    ConfigStore.instance().store(group="trainer", name="hf_defaults", node=training_argument_defaults())


register()
