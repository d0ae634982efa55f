"""Fine-tune a classifier on one dataset and log the run to MLflow.

    python -m training.train data=re3d [model=minilm|mpnet|tiny] [trainer.<field>=...] [experiment=<name>]
"""

from __future__ import annotations

from pathlib import Path

import hydra
import mlflow
import pandas as pd
from omegaconf import DictConfig
from transformers import set_seed

from inference.task_model import classify
from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import load_splits
from training.events.case_eval import log_case_metrics
from training.fit import fit
from training.metrics import PRIMARY_METRIC
from training.tasks import sequence
from training.tracking import (INFERENCE_DIR, SAMPLE_TEXTS, git_tags, log_config, log_confusion_matrix, log_dataset,
                               log_pyfunc, log_report, setup_tracking, tracked_run)


def train(cfg: DictConfig) -> float:
    """Train, evaluate on dev and log everything; returns the dev primary metric (for sweeps)."""
    set_seed(cfg.seed)
    data = load_splits(cfg.data)
    output_dir = Path(cfg.paths.output_dir)
    setup_tracking(cfg.mlflow)
    tags = {"dataset": cfg.data.name, "task": cfg.data.task, "encoder": cfg.model.name, "approach": "fine_tune",
            **git_tags()}
    with tracked_run(cfg.mlflow.run_name, tags) as run:
        log_config(cfg)
        mlflow.log_params({f"data_stats.{k}": v for k, v in data.stats.items()})
        for split, context in (("train", "training"), ("dev", "validation")):
            log_dataset(list(data.splits[split]), f"{cfg.data.name}.{split}", data.sources[split], context)

        result = fit(cfg, data, output_dir)
        evaluation = result.evaluation
        log_report(evaluation.report, evaluation.metrics, "dev")
        if result.untuned_metrics is not None:
            mlflow.log_metrics({f"dev_at_0.5_{k}": v for k, v in result.untuned_metrics.items()})
            mlflow.log_dict(result.model.meta.thresholds, "reports/thresholds.json")
        if cfg.data.get("label_file"):
            log_case_metrics(list(data.splits["dev"]), evaluation.probs, result.model.meta.labels, cfg.data.label_file)
        if cfg.data.task != "token":
            matrix, names = sequence.confusion(evaluation, result.model.meta.labels, cfg.data.task == "multi_label")
            log_confusion_matrix(matrix, names, f"{cfg.data.name} dev", "figures/confusion_matrix.png")
        model_uri = None
        if cfg.mlflow.log_model:
            predict = (lambda frame: {"entities": result.model.entities(list(frame["text"]))}
                       if cfg.data.task == "token" else classify(result.model, list(frame["text"])))
            model_uri = log_pyfunc(INFERENCE_DIR / "pyfunc_task.py", {"model": str(result.model_dir)},
                                   pd.DataFrame({"text": SAMPLE_TEXTS}), predict).model_uri
            mlflow.set_tag("model_uri", model_uri)
        primary = PRIMARY_METRIC[cfg.data.task]
        print(f"dev {primary}: {evaluation.metrics[primary]:.4f}")
        print(f"MLflow run id: {run.info.run_id}")
        print(f"model URI: {model_uri or '(not logged: mlflow.log_model=false)'}")
        print(f"model folder: {result.model_dir}")
    return evaluation.metrics[primary]


@hydra.main(version_base="1.3", config_path="../conf", config_name="train")
def main(cfg: DictConfig) -> float:
    return train(cfg)


if __name__ == "__main__":
    main()
