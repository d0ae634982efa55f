"""False-event rate of a packaged predictor on text that should report no ACLED event.

    python -m training.events.false_events [model_uri=models:/conflict-news@champion]

Sources (configurable): CAMEO sentences of the "make a statement" and "verbal cooperation" classes (all of
cameo_class, which no event typer is trained on) and MUC-4 dev documents without any incident template. Prints
and logs to MLflow the share of texts with at least one reported event and the number of event anchors
(sentences or clauses) per sentence, and writes every
flagged text with its events to ``<output_dir>/flagged_<source>.jsonl`` for checking by hand (some of these
texts do report events: MUC documents without terrorism templates often report military clashes).
"""

from __future__ import annotations

import json
from pathlib import Path

import hydra
import mlflow
from omegaconf import DictConfig

from inference.predictor import Predictor
from inference.sentences import split_sentences
from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import load_splits
from training.tracking.mlflow import git_tags, setup_tracking, tracked_run


def source_texts(cfg: DictConfig, name: str) -> list[dict]:
    """Examples of ``cfg.sources[name]``: its data config's splits, keeping only the wanted label sets."""
    spec = cfg.sources[name]
    data = load_splits(cfg[spec.data_key])
    wanted = [sorted(labels) for labels in spec.label_sets]
    return [ex for split in spec.splits for ex in data.splits[split] if sorted(ex["labels"]) in wanted]


def false_events(cfg: DictConfig) -> dict[str, float]:
    predictor = Predictor.load(cfg.model_uri, precision=cfg.precision, tasks=["events"])
    output_dir = Path(cfg.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    metrics: dict[str, float] = {}
    for name in cfg.sources:
        examples = source_texts(cfg, name)
        predictions = predictor.predict_batch([ex["text"] for ex in examples])
        flagged = [(ex, p) for ex, p in zip(examples, predictions) if p["events"]]
        n_sentences = sum(len(split_sentences(ex["text"])) for ex in examples)
        anchors = sum(len({(e["start"], e["end"]) for e in p["events"]}) for _, p in flagged)
        metrics[f"{name}.texts"] = float(len(examples))
        metrics[f"{name}.text_false_event_rate"] = len(flagged) / max(len(examples), 1)
        metrics[f"{name}.event_anchors_per_sentence"] = anchors / max(n_sentences, 1)
        with (output_dir / f"flagged_{name}.jsonl").open("w", encoding="utf-8") as out:
            for ex, p in flagged:
                out.write(json.dumps({"id": ex["id"], "text": ex["text"], "events": p["events"]},
                                     ensure_ascii=False) + "\n")
    setup_tracking(cfg.mlflow)
    with tracked_run(cfg.mlflow.run_name, {"kind": "false_events", "model_uri": str(cfg.model_uri), **git_tags()}):
        mlflow.log_metrics(metrics)
        for name in cfg.sources:
            mlflow.log_artifact(str(output_dir / f"flagged_{name}.jsonl"), "flagged")
    print(json.dumps(metrics, indent=2))
    return metrics


@hydra.main(version_base="1.3", config_path="../../conf", config_name="false_events")
def main(cfg: DictConfig) -> None:
    false_events(cfg)


if __name__ == "__main__":
    main()
