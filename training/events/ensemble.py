"""Combine event typers into a weighted ensemble, score it on dev and log it to MLflow.

    python -m training.events.ensemble                       # latest fine-tuned + latest zero-shot typer
    python -m training.events.ensemble 'members=[models:/m-<a>,models:/m-<b>]' 'weights=[0.5,0.5]'

The ensemble is logged with tag ``approach=ensemble``; ``training.jobs.package`` takes the latest one by default.
"""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig

from inference.ensemble import Ensemble
from inference.model_loading import load_task_model
from inference.model_source import local_model_dir
from inference.task_model import TaskMeta
from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import load_splits
from training.events.typer_runs import log_typer
from training.tracking.mlflow import git_tags, latest_model_uri, log_config, setup_tracking, tracked_run


def member_uris(cfg: DictConfig) -> list[str]:
    """The configured member URIs, or the latest model of each approach in ``default_members``."""
    if cfg.members:
        return list(cfg.members)
    return [latest_model_uri(cfg.mlflow.experiment_name, approach) for approach in cfg.default_members]


def build_ensemble(cfg: DictConfig) -> float:
    """Load the members, score the weighted ensemble on dev, log it; returns dev subtask-1 weighted F1."""
    setup_tracking(cfg.mlflow)
    uris = member_uris(cfg)
    if len(uris) != len(cfg.weights):
        raise ValueError(f"{len(uris)} members but {len(cfg.weights)} weights")
    members = [load_task_model(local_model_dir(uri), cfg.precision) for uri in uris]
    first = members[0].meta
    meta = TaskMeta(task="ensemble", labels=list(first.labels), max_length=first.max_length, stride=first.stride,
                    pool=first.pool, dataset=cfg.data.name)
    ensemble = Ensemble(members, list(cfg.weights), meta)
    dev = list(load_splits(cfg.data).splits["dev"])
    tags = {"dataset": cfg.data.name, "task": "ensemble", "approach": "ensemble", "members": ",".join(uris),
            **git_tags()}
    with tracked_run(cfg.mlflow.run_name, tags):
        log_config(cfg)
        run = log_typer(ensemble, dev, cfg.data.label_file, Path(cfg.paths.output_dir))
    return run.case["subtask1.f1_weighted"]


@hydra.main(version_base="1.3", config_path="../../conf", config_name="ensemble")
def main(cfg: DictConfig) -> float:
    return build_ensemble(cfg)


if __name__ == "__main__":
    main()
