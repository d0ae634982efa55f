"""Token classification: first-subword label alignment over strided windows, seqeval scoring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from datasets import Dataset
from transformers import DataCollatorForTokenClassification, EvalPrediction, PreTrainedTokenizerBase

from inference.spans import DECODINGS, decode_tags
from inference.task_model import Decisions
from inference.windows import Windows, merge_word_logits, word_labels, word_windows
from training.data.base import Example
from training.modeling.metrics import token_metrics

PREDICTIONS_SUFFIX = ".conll"  # of the file write_predictions writes


@dataclass
class Evaluation:
    metrics: dict[str, float]
    report: dict
    predictions: list[dict]  # per example: id, tokens, gold, predicted


def encode(examples: list[Example], tokenizer: PreTrainedTokenizerBase, labels: list[str], max_length: int,
           stride: int, word_shapes: bool = False) -> tuple[Dataset, Windows]:
    """Windows of every example with each word's label on its first subword (and, with ``word_shapes``, each
    token's word shape as its ``token_type_ids``)."""
    label2id = {label: i for i, label in enumerate(labels)}
    ids = []
    for ex in examples:
        unknown = sorted(set(ex["tags"]) - set(label2id))
        if unknown:
            raise ValueError(f"example {ex['id']}: tags {unknown} are not in the label set {labels}")
        ids.append([label2id[t] for t in ex["tags"]])
    windows = word_windows(tokenizer, [ex["tokens"] for ex in examples], max_length, stride, word_shapes)
    columns = {"input_ids": windows.input_ids, "attention_mask": [[1] * len(x) for x in windows.input_ids],
               "labels": word_labels(windows, ids)}
    if word_shapes:
        columns["token_type_ids"] = windows.token_type_ids
    return Dataset.from_dict(columns), windows


def check_decoding(decoding: str, task: str) -> None:
    """Refuse a decoding not in ``DECODINGS``, or other than the default (viterbi) for a task that does not tag
    words."""
    if decoding not in DECODINGS:
        raise ValueError(f"decoding must be one of {DECODINGS}, not {decoding!r}")
    if decoding != "viterbi" and task != "token":
        raise ValueError(f"decoding={decoding} applies to token tasks only, not to data.task={task!r}")


def collator(tokenizer: PreTrainedTokenizerBase) -> DataCollatorForTokenClassification:
    """Pads input ids, token types (with 0) and labels (with IGNORE_INDEX) per batch."""
    return DataCollatorForTokenClassification(tokenizer)


def score(examples: list[Example], probs: list[np.ndarray], labels: list[str], decoding: str,
          transitions: np.ndarray | list[list[float]] | None = None) -> Evaluation:
    """seqeval metrics of the tags ``decoding`` gives (``inference.spans.DECODINGS``; ``transitions``: a CRF's),
    and per-example predictions."""
    pred = [[labels[k] for k in decode_tags(p, labels, decoding, transitions)] for p in probs]
    gold = [ex["tags"] for ex in examples]
    metrics, report = token_metrics(gold, pred)
    rows = [{"id": ex["id"], "tokens": ex["tokens"], "gold": ex["tags"], "predicted": tags}
            for ex, tags in zip(examples, pred)]
    return Evaluation(metrics, report, rows)


def trainer_metrics(examples: list[Example], windows: Windows, labels: list[str], decoding: str,
                    transitions: torch.Tensor | None = None) -> Callable[[EvalPrediction], dict[str, float]]:
    """A ``compute_metrics`` for the Trainer that merges window logits back onto words and decodes them (with the
    CRF ``transitions`` being trained, as they are at each evaluation)."""

    def compute(eval_pred: EvalPrediction) -> dict[str, float]:
        logits = [row[:len(ids)] for row, ids in zip(eval_pred.predictions, windows.input_ids)]
        scores = None if transitions is None else transitions.detach().float().cpu().numpy()
        return score(examples, merge_word_logits(windows, logits), labels, decoding, scores).metrics

    return compute


def evaluate(model: Decisions, examples: list[Example]) -> Evaluation:
    """Score a task model on examples through the same windowed path the predictor uses."""
    probs = model.word_probs([ex["tokens"] for ex in examples])
    return score(examples, probs, model.meta.labels, model.meta.decoding, model.meta.transitions)


def confusion(evaluation: Evaluation, labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Word-level gold × predicted entity types of the tag set ``labels`` (``B-``/``I-`` merged, ``O`` last)."""
    def kind(tag: str) -> str:
        return tag.split("-", 1)[1] if "-" in tag else tag

    names = [*dict.fromkeys(kind(label) for label in labels if label != "O"), "O"]
    pairs = [(kind(g), kind(p)) for row in evaluation.predictions for g, p in zip(row["gold"], row["predicted"])]
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(names), len(names)), dtype=int)
    for g, p in pairs:
        matrix[index[g], index[p]] += 1
    return matrix, names


def write_predictions(evaluation: Evaluation, path) -> None:
    """CoNLL lines ``token<TAB>gold<TAB>predicted`` (tabs: tokens may hold spaces), a blank line between
    examples."""
    with open(path, "w", encoding="utf-8") as out:
        for row in evaluation.predictions:
            for tok, gold, pred in zip(row["tokens"], row["gold"], row["predicted"]):
                out.write(f"{tok}\t{gold}\t{pred}\n")
            out.write("\n")
