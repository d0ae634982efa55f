"""Text examples in JSON Lines, optionally with soft targets (``training.events.distill`` writes them).

One object per line: ``{"id": str, "text": str, "labels": [str, ...]}``, plus, for soft targets,
``"scores": {label: probability}`` naming every label of ``cfg.labels`` once, each in [0, 1], summing to 1.
A file's records either all carry scores or none does. Scored examples get ``scores`` as a list in label order.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig

from training.data.base import DataFormatError, Example, get_field, iter_jsonl, text_example

SUM_TOLERANCE = 1e-3


def read(source: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """Read one JSON Lines file into text examples; ``stats["scored"]`` counts those with soft targets."""
    path = source["path"]
    labels = list(cfg.labels)
    examples = []
    for number, record in iter_jsonl(path):
        example_id = get_field(record, "id", str, path, number)
        example = text_example(example_id, get_field(record, "text", str, path, number),
                               get_field(record, "labels", list, path, number), labels, path, number)
        if "scores" in record:
            example["scores"] = _scores(get_field(record, "scores", dict, path, number), labels, path, number,
                                        example_id)
        if examples and ("scores" in example) != ("scores" in examples[0]):
            raise DataFormatError(path, f"{example_id}: some records have scores and some do not", number)
        stats["scored"] += "scores" in example
        examples.append(example)
    return examples


def _scores(scores: dict, labels: list[str], path: str, line: int, example_id: str) -> list[float]:
    """The scores in label order, checked to be one probability per label that sum to 1."""
    if set(scores) != set(labels):
        missing, unknown = sorted(set(labels) - set(scores)), sorted(set(scores) - set(labels))
        raise DataFormatError(path, f"{example_id}: scores must name every label once (missing {missing}, "
                                    f"unknown {unknown})", line)
    values = [scores[label] for label in labels]
    bad = [label for label, v in zip(labels, values)
           if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1 or math.isnan(v)]
    if bad:
        raise DataFormatError(path, f"{example_id}: scores of {bad} are not probabilities in [0, 1]", line)
    if abs(sum(values) - 1) > SUM_TOLERANCE:
        raise DataFormatError(path, f"{example_id}: scores sum to {sum(values):.4f}, not 1", line)
    return [float(v) for v in values]
