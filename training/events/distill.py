"""Soft targets for a one-pass event typer: a teacher typer's probabilities on the gold snippets and on
unlabelled sentences of train splits, written as the training set of ``data=acled_distill`` (distillation).

The predictor's default typer is an ensemble of two encoders (fine-tuned and zero-shot), so it encodes every
sentence twice. A student trained on the ensemble's probabilities types in one pass.

    python -m training.events.distill                    # latest ensemble typer; SATP and IPE train sentences
    python -m training.events.distill teacher=models:/m-<id> data@sources.satp=cameo_class max_sentences=500
    python -m training.train experiment=acled_distill    # train the student on what it wrote

Writes ``<out_dir>/train.jsonl`` (the gold train snippets with ``hard_weight`` x their one-hot label plus
``1 - hard_weight`` x the teacher's probabilities, then each source's sentences with the teacher's probabilities),
``<out_dir>/dev.jsonl`` (the gold dev split without scores: the student is scored like every typer) and
``<out_dir>/card.json`` (teacher, sources, counts). Only train splits are labelled, so dev text stays held apart.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterable
from pathlib import Path

import hydra
import numpy as np
from omegaconf import DictConfig

from inference.ensemble import TYPER_TASKS
from inference.model_loading import load_task_model
from inference.model_source import local_model_dir
from training import config  # noqa: F401  (sets PROJECT_ROOT, used by the config's search path)
from training.data import load_splits
from training.data.base import write_jsonl
from training.jobs.silver import source_sentences, write_card
from training.tracking.mlflow import latest_model_uri, setup_tracking


def teacher_uri(cfg: DictConfig) -> str:
    """``cfg.teacher``, or the latest typer of ``cfg.teacher_approach`` in the experiment ``cfg.teacher_experiment``."""
    if cfg.teacher:
        return str(cfg.teacher)
    setup_tracking(cfg.mlflow)
    return latest_model_uri(cfg.teacher_experiment, cfg.teacher_approach)


def soft_records(ids: Iterable[str], texts: list[str], probs: np.ndarray, labels: list[str],
                 gold: list[str] | None = None, hard_weight: float = 0.0) -> list[dict]:
    """``{"id", "text", "labels", "scores"}`` per text: ``probs`` mixed with ``hard_weight`` x the one-hot
    ``gold`` label when given; ``labels`` holds the gold label, or the best-scored one."""
    out = []
    for k, (example_id, text, row) in enumerate(zip(ids, texts, probs, strict=True)):
        row = np.asarray(row, dtype=np.float64) / row.sum()
        if gold is not None:
            row = (1 - hard_weight) * row + hard_weight * (np.arange(len(labels)) == labels.index(gold[k]))
        label = gold[k] if gold is not None else labels[int(row.argmax())]
        out.append({"id": example_id, "text": text, "labels": [label],
                    "scores": {name: round(float(p), 6) for name, p in zip(labels, row)}})
    for record in out:  # rounding may move the sum off 1 by a few 1e-6: the largest score takes the rest
        scores = record["scores"]
        top = max(scores, key=scores.get)
        scores[top] = round(scores[top] + 1 - sum(scores.values()), 6)
    return out


def build(cfg: DictConfig) -> dict:
    """Write the soft-target train file, the gold dev file and the card; returns the card."""
    if not 0 <= cfg.hard_weight <= 1:
        raise ValueError(f"hard_weight must be in [0, 1], not {cfg.hard_weight}")
    sources = source_sentences(cfg)
    uri = teacher_uri(cfg)
    teacher = load_task_model(local_model_dir(uri), cfg.precision)
    labels = list(cfg.gold.labels)
    if teacher.meta.task not in TYPER_TASKS:
        raise ValueError(f"teacher {uri}: a {teacher.meta.task} model; the teacher must be a single-label typer "
                         f"({', '.join(TYPER_TASKS)}), whose probabilities sum to 1")
    if list(teacher.meta.labels) != labels:
        raise ValueError(f"teacher {uri}: its labels {teacher.meta.labels} are not data={cfg.gold.name}'s {labels}")
    gold = load_splits(cfg.gold).splits
    train = list(gold["train"])
    texts = [ex["text"] for ex in train]
    records = soft_records([ex["id"] for ex in train], texts, teacher.text_probs(texts), labels,
                           [ex["labels"][0] for ex in train], cfg.hard_weight)
    for key, (_, sentences) in sources.items():
        records += soft_records([f"{key}:{i}" for i in range(len(sentences))], sentences,
                                teacher.text_probs(sentences), labels)
    out_dir = Path(cfg.out_dir)
    write_jsonl(out_dir / "train.jsonl", records)
    write_jsonl(out_dir / "dev.jsonl", ({"id": ex["id"], "text": ex["text"], "labels": ex["labels"]}
                                        for ex in gold["dev"]))
    best = collections.Counter(record["labels"][0] for record in records[len(train):])
    card = {"teacher": uri, "gold": cfg.gold.name, "seed": cfg.seed, "max_sentences": cfg.max_sentences,
            "hard_weight": cfg.hard_weight, "gold_snippets": len(train),
            "source_sentences": {key: len(sentences) for key, (_, sentences) in sources.items()},
            "source_best_labels": dict(best.most_common()), "dev_snippets": len(gold["dev"])}
    return write_card(out_dir, card)


@hydra.main(version_base="1.3", config_path="../../conf", config_name="distill")
def main(cfg: DictConfig) -> None:
    print(json.dumps(build(cfg), indent=2))


if __name__ == "__main__":
    main()
