"""Combine event typers into a weighted ensemble, score it on dev and log it to MLflow.

    python -m training.events.ensemble                       # latest fine-tuned + latest zero-shot typer
    python -m training.events.ensemble 'members=[models:/m-<a>,models:/m-<b>]' 'weights=[0.5,0.5]'

The ensemble is logged with tag ``approach=ensemble``; ``training.package`` takes the latest one by default.
"""

from __future__ import annotations

from pathlib import Path

import hydra
import mlflow
import pandas as pd
from omegaconf import DictConfig

from inference.ensemble_typer import EnsembleTyper
from inference.model_loading import load_task_model
from inference.model_source import local_model_dir
from inference.task_model import TaskMeta, classify
from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import load_splits
from training.events.case_eval import log_case_metrics
from training.tasks import sequence
from training.tracking import (INFERENCE_DIR, git_tags, latest_model_uri, log_config, log_pyfunc, log_report,
                               setup_tracking, tracked_run)
from training.train import SAMPLE_TEXTS


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
    ensemble = EnsembleTyper(members, list(cfg.weights), meta)
    dev = list(load_splits(cfg.data).splits["dev"])
    tags = {"dataset": cfg.data.name, "task": "ensemble", "approach": "ensemble", "members": ",".join(uris),
            **git_tags()}
    with tracked_run(cfg.mlflow.run_name, tags) as run:
        log_config(cfg)
        probs = ensemble.text_probs([ex["text"] for ex in dev])
        evaluation = sequence.score(dev, probs, meta.labels, multi_label=False)
        log_report(evaluation.report, evaluation.metrics, "dev")
        case = log_case_metrics(dev, probs, meta.labels, cfg.data.label_file)
        folder = ensemble.save(Path(cfg.paths.output_dir) / "model")
        info = log_pyfunc(INFERENCE_DIR / "pyfunc_task.py", {"model": str(folder)},
                          pd.DataFrame({"text": SAMPLE_TEXTS}), lambda frame: classify(ensemble, list(frame["text"])))
        mlflow.set_tag("model_uri", info.model_uri)
        print(f"dev subtask-1 weighted F1: {case['subtask1.f1_weighted']:.4f}\nMLflow run id: {run.info.run_id}\n"
              f"model URI: {info.model_uri}")
    return case["subtask1.f1_weighted"]


@hydra.main(version_base="1.3", config_path="../../conf", config_name="ensemble")
def main(cfg: DictConfig) -> float:
    return build_ensemble(cfg)


if __name__ == "__main__":
    main()
