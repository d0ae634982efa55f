"""Build the zero-shot event typer (label-description similarity), score it on dev and log it to MLflow.

    python -m training.jobs.zero_shot [model=minilm] [temperature=0.05] [data=acled_snippets]

The typer is logged like a trained model (tag ``approach=zero_shot``), so ``training.jobs.package
event_model=<its model URI>`` can put it in the predictor.
"""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig
from transformers import AutoModel, AutoTokenizer

from inference.runtime import load_pretrained
from inference.similarity_typer import SimilarityTyper
from inference.task_model import TaskMeta
from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import label_list, load_splits
from training.events.labels import load_labels
from training.events.typer_runs import log_typer
from training.modeling.encoders import pretrained_path
from training.tracking.mlflow import git_tags, log_config, setup_tracking, tracked_run


def build_typer(cfg: DictConfig) -> SimilarityTyper:
    """The encoder of ``cfg.model`` with every label's descriptions from the label file."""
    label_set = load_labels(cfg.data.label_file)
    labels = label_list(cfg.data)
    descriptions = {info.name: list(info.descriptions) for info in label_set.labels if info.name in labels}
    path = pretrained_path(cfg.model)
    meta = TaskMeta(task="similarity", labels=labels, max_length=cfg.data.max_length, stride=cfg.data.stride,
                    pool="mean", dataset=cfg.data.name)
    return SimilarityTyper(load_pretrained(AutoModel, path), AutoTokenizer.from_pretrained(path), meta, descriptions,
                           cfg.temperature, cfg.precision)


def zero_shot(cfg: DictConfig) -> float:
    """Score the similarity typer on dev and log it; returns dev subtask-1 weighted F1."""
    data = load_splits(cfg.data)
    setup_tracking(cfg.mlflow)
    tags = {"dataset": cfg.data.name, "task": "similarity", "approach": "zero_shot", "encoder": cfg.model.name,
            **git_tags()}
    with tracked_run(cfg.mlflow.run_name, tags):
        log_config(cfg)
        run = log_typer(build_typer(cfg), list(data.splits["dev"]), cfg.data.label_file, Path(cfg.paths.output_dir))
    return run.case["subtask1.f1_weighted"]


@hydra.main(version_base="1.3", config_path="../../conf", config_name="zero_shot")
def main(cfg: DictConfig) -> float:
    return zero_shot(cfg)


if __name__ == "__main__":
    main()
