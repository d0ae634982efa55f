"""Text classification, single-label (softmax) or multi-label (sigmoid), with windows pooled per text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from datasets import Dataset
from sklearn.metrics import confusion_matrix
from transformers import DataCollatorWithPadding, EvalPrediction, PreTrainedTokenizerBase

from inference.task_model import Decisions, decide_labels
from inference.windows import Windows, encode_text, pool_text_logits, text_windows
from training.data.base import Example, write_jsonl
from training.modeling.metrics import binarize, multi_label_metrics, single_label_metrics

PREDICTIONS_SUFFIX = ".jsonl"  # of the file write_predictions writes
NONE = "(none)"


@dataclass
class Evaluation:
    metrics: dict[str, float]
    report: dict
    predictions: list[dict]  # per example: id, gold, predicted, scores
    probs: np.ndarray


def encode(examples: list[Example], tokenizer: PreTrainedTokenizerBase, labels: list[str], max_length: int,
           stride: int, multi_label: bool) -> tuple[Dataset, Windows]:
    """Windows of every text; each window carries its text's labels, its text's soft targets (``scores``,
    single-label only: then every example needs them), or, for an example with ``label_spans`` (multi-label
    only), the labels of the spans whose middle character it holds."""
    label2id = {label: i for i, label in enumerate(labels)}
    for ex in examples:
        unknown = sorted(set(ex["labels"]) - set(label2id))
        if unknown:
            raise ValueError(f"example {ex['id']}: labels {unknown} are not in the label set {labels}")
        if not multi_label and len(ex["labels"]) != 1:
            raise ValueError(f"example {ex['id']}: a single-label task needs exactly one label, got {ex['labels']}")
    if any(ex.get("scores") is not None for ex in examples):
        _check_scores(examples, len(labels), multi_label)
        targets = [list(ex["scores"]) for ex in examples]
    elif multi_label:
        targets = binarize([ex["labels"] for ex in examples], labels).astype(np.float32).tolist()
    else:
        targets = [label2id[ex["labels"][0]] for ex in examples]
    windows = text_windows(tokenizer, [ex["text"] for ex in examples], max_length, stride)
    if any(ex.get("label_spans") is not None for ex in examples):
        if not multi_label:
            raise ValueError("label_spans (labels per span of a text) need a multi-label task")
        window_targets = span_targets(examples, windows, tokenizer, labels)
    else:
        window_targets = [targets[i] for i in windows.example_index]
    dataset = Dataset.from_dict({"input_ids": windows.input_ids,
                                 "attention_mask": [[1] * len(x) for x in windows.input_ids],
                                 "labels": window_targets})
    return dataset, windows


def _check_scores(examples: list[Example], n_labels: int, multi_label: bool) -> None:
    """Soft targets go on every example of a single-label task, one probability per label."""
    for ex in examples:
        if multi_label:
            raise ValueError(f"example {ex['id']}: soft targets (scores) need a single-label task")
        if ex.get("scores") is None:
            raise ValueError(f"example {ex['id']}: no scores, while other examples have them (soft targets go "
                             "on every example or on none)")
        if len(ex["scores"]) != n_labels:
            raise ValueError(f"example {ex['id']}: {len(ex['scores'])} scores for {n_labels} labels")


def span_targets(examples: list[Example], windows: Windows, tokenizer: PreTrainedTokenizerBase,
                 labels: list[str]) -> list[list[float]]:
    """Per window, the 0/1 targets of the labelled spans whose middle character lies in the window's text.

    Windows overlap and cover the whole text, so every span lands in at least one window and the union of
    an example's window labels is its own label set (checked).
    """
    offsets = [encode_text(tokenizer, ex["text"])[1] for ex in examples]
    found: list[set[str]] = [set() for _ in examples]
    out = []
    for example, start, length in zip(windows.example_index, windows.starts, windows.lengths):
        tokens = offsets[example][start:start + length]
        first, last = (tokens[0][0], tokens[-1][1]) if tokens else (0, 0)
        held = {label for span in examples[example].get("label_spans") or []
                if first <= (span["start"] + span["end"]) // 2 < last for label in span["labels"]}
        found[example] |= held
        out.append([float(label in held) for label in labels])
    for ex, union in zip(examples, found):
        if union != set(ex["labels"]):
            raise ValueError(f"example {ex['id']}: its windows hold labels {sorted(union)}, its own are "
                             f"{ex['labels']}: label_spans must cover the text's labels")
    return out


def collator(tokenizer: PreTrainedTokenizerBase) -> DataCollatorWithPadding:
    """Pads input ids per batch."""
    return DataCollatorWithPadding(tokenizer)


def score(examples: list[Example], probs: np.ndarray, labels: list[str], multi_label: bool,
          thresholds: dict[str, float] | None = None) -> Evaluation:
    """Task metrics of the decided labels, and per-example predictions with scores."""
    pred = decide_labels(probs, labels, multi_label, thresholds)
    gold = [ex["labels"] for ex in examples]
    if multi_label:
        metrics, report = multi_label_metrics(gold, pred, labels)
    else:
        metrics, report = single_label_metrics([g[0] for g in gold], [p[0] for p in pred], labels)
    rows = [{"id": ex["id"], "gold": ex["labels"], "predicted": p,
             "scores": {label: round(float(s), 4) for label, s in zip(labels, row)}}
            for ex, p, row in zip(examples, pred, probs)]
    return Evaluation(metrics, report, rows, probs)


def trainer_metrics(examples: list[Example], windows: Windows, labels: list[str], multi_label: bool,
                    pool: str) -> Callable[[EvalPrediction], dict[str, float]]:
    """A ``compute_metrics`` for the Trainer that pools window logits per text (thresholds at 0.5)."""

    def compute(eval_pred: EvalPrediction) -> dict[str, float]:
        probs = pool_text_logits(windows, np.asarray(eval_pred.predictions), len(examples), multi_label, pool)
        return score(examples, probs, labels, multi_label).metrics

    return compute


def evaluate(model: Decisions, examples: list[Example]) -> Evaluation:
    """Score a task model (with its saved thresholds) through the same path the predictor uses."""
    probs = model.text_probs([ex["text"] for ex in examples])
    meta = model.meta
    return score(examples, probs, meta.labels, meta.task == "multi_label", meta.thresholds)


def confusion(evaluation: Evaluation, labels: list[str], multi_label: bool) -> tuple[np.ndarray, list[str]]:
    """Gold × predicted counts; for multi-label, label co-occurrence with a ``(none)`` row and column."""
    if not multi_label:
        gold = [r["gold"][0] for r in evaluation.predictions]
        pred = [r["predicted"][0] for r in evaluation.predictions]
        return confusion_matrix(gold, pred, labels=labels), labels
    names = [*labels, NONE]
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(names), len(names)), dtype=int)
    for row in evaluation.predictions:
        for g in row["gold"] or [NONE]:
            for p in row["predicted"] or [NONE]:
                matrix[index[g], index[p]] += 1
    return matrix, names


def write_predictions(evaluation: Evaluation, path) -> None:
    """JSON Lines: ``{"id", "gold", "predicted", "scores"}`` per example."""
    write_jsonl(path, evaluation.predictions)
