"""Build the zero-shot event typer (label-description similarity), score it on dev and log it to MLflow.

    python -m training.zero_shot [model=minilm] [temperature=0.05] [data=acled_snippets]

The typer is logged like a trained model (tag ``approach=zero_shot``), so ``training.package
event_model=<its model URI>`` can put it in the predictor.
"""

from __future__ import annotations

from pathlib import Path

import hydra
import mlflow
import pandas as pd
from omegaconf import DictConfig
from transformers import AutoModel, AutoTokenizer

from inference.similarity_typer import SimilarityTyper
from inference.task_model import TaskMeta, classify
from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import label_list, load_splits
from training.encoders import pretrained_path
from training.events.case_eval import log_case_metrics
from training.events.labels import load_labels
from training.tasks import sequence
from training.tracking import INFERENCE_DIR, git_tags, log_config, log_pyfunc, log_report, setup_tracking, tracked_run
from training.train import SAMPLE_TEXTS


def build_typer(cfg: DictConfig) -> SimilarityTyper:
    """The encoder of ``cfg.model`` with every label's descriptions from the label file."""
    label_set = load_labels(cfg.data.label_file)
    labels = label_list(cfg.data)
    descriptions = {info.name: list(info.descriptions) for info in label_set.labels if info.name in labels}
    path = pretrained_path(cfg.model)
    meta = TaskMeta(task="similarity", labels=labels, max_length=cfg.data.max_length, stride=cfg.data.stride,
                    pool="mean", dataset=cfg.data.name)
    return SimilarityTyper(AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path), meta, descriptions,
                           cfg.temperature, cfg.precision)


def zero_shot(cfg: DictConfig) -> float:
    """Score the similarity typer on dev; returns dev weighted F1 (all labels)."""
    data = load_splits(cfg.data)
    setup_tracking(cfg.mlflow)
    tags = {"dataset": cfg.data.name, "task": "similarity", "approach": "zero_shot", "encoder": cfg.model.name,
            **git_tags()}
    with tracked_run(cfg.mlflow.run_name, tags) as run:
        log_config(cfg)
        typer = build_typer(cfg)
        dev = list(data.splits["dev"])
        probs = typer.text_probs([ex["text"] for ex in dev])
        evaluation = sequence.score(dev, probs, typer.meta.labels, multi_label=False)
        log_report(evaluation.report, evaluation.metrics, "dev")
        log_case_metrics(dev, probs, typer.meta.labels, cfg.data.label_file)
        folder = typer.save(Path(cfg.paths.output_dir) / "model")
        info = log_pyfunc(INFERENCE_DIR / "pyfunc_task.py", {"model": str(folder)},
                          pd.DataFrame({"text": SAMPLE_TEXTS}), lambda frame: classify(typer, list(frame["text"])))
        mlflow.set_tag("model_uri", info.model_uri)
        print(f"dev f1_weighted: {evaluation.metrics['f1_weighted']:.4f}\nMLflow run id: {run.info.run_id}\n"
              f"model URI: {info.model_uri}\nmodel folder: {folder}")
    return evaluation.metrics["f1_weighted"]


@hydra.main(version_base="1.3", config_path="../conf", config_name="zero_shot")
def main(cfg: DictConfig) -> float:
    return zero_shot(cfg)


if __name__ == "__main__":
    main()
