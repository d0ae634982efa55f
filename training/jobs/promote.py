r"""Register the best run's model of an experiment and move an alias to it.

    python -m training.jobs.promote experiment=re3d metric=dev_f1_micro [mode=max] [alias=champion] \
        [approach=fine_tune] ["filter=\"tags.encoder = 'minilm'\""] [registered_model_name=re3d]

Candidates are the FINISHED runs that logged a model (seed summaries and runs with ``mlflow.log_model=false`` do
not). When the best run's model is already a version of the registered model, that version gets the alias.
"""

from __future__ import annotations

from dataclasses import dataclass

import hydra
import mlflow
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

from training.tracking.mlflow import model_runs_filter, tracking_uri


@dataclass
class Promotion:
    run_id: str
    model_uri: str
    version: str
    score: float
    alias_uri: str


def best_run(experiment_id: str, metric: str, mode: str, approach: str | None = None,
             extra_filter: str | None = None) -> Run:
    """The FINISHED run with a logged model (and the ``approach`` tag, if given) that is best by ``metric``
    (ties: the most recent)."""
    if mode not in ("max", "min"):
        raise ValueError(f"mode must be 'max' or 'min', not {mode!r}")
    query = model_runs_filter(approach)
    if extra_filter:
        query += f" and {extra_filter}"
    runs = mlflow.search_runs([experiment_id], query, output_format="list", max_results=50000,
                              order_by=["attributes.start_time DESC"])
    if not runs:
        raise LookupError(f"no FINISHED run with a logged model matches {query!r}")
    scored = [run for run in runs if metric in run.data.metrics]
    if not scored:
        known = sorted({m for run in runs for m in run.data.metrics if not m.startswith(("epoch_", "train_"))})
        raise KeyError(f"no candidate run has the metric {metric!r}; final metrics of these runs: {known}")
    sign = 1 if mode == "max" else -1
    return max(scored, key=lambda run: sign * run.data.metrics[metric])  # max keeps the first (latest) of ties


def register(client: MlflowClient, name: str, run: Run) -> str:
    """The registered version of the run's model, registering it if it is not one yet."""
    model_uri = run.data.tags["model_uri"]
    for version in client.search_model_versions(f"name = '{name}'"):
        if version.run_id == run.info.run_id and version.source == model_uri:
            return version.version
    return mlflow.register_model(model_uri, name).version


def promote(cfg: DictConfig) -> Promotion:
    """Register the best run's model and point ``cfg.alias`` at it."""
    mlflow.set_tracking_uri(tracking_uri(cfg.mlflow.tracking_uri))
    client = MlflowClient()
    found = client.get_experiment_by_name(cfg.experiment)
    if found is None:
        raise LookupError(f"no MLflow experiment {cfg.experiment!r} in {mlflow.get_tracking_uri()}")
    run = best_run(found.experiment_id, cfg.metric, cfg.mode, cfg.approach, cfg.filter)
    version = register(client, cfg.registered_model_name, run)
    client.set_registered_model_alias(cfg.registered_model_name, cfg.alias, version)
    score = run.data.metrics[cfg.metric]
    client.set_model_version_tag(cfg.registered_model_name, version, f"promoted_by.{cfg.metric}", f"{score:.6g}")
    promotion = Promotion(run.info.run_id, run.data.tags["model_uri"], version, score,
                          f"models:/{cfg.registered_model_name}@{cfg.alias}")
    print(f"best run {promotion.run_id} ({cfg.metric} = {score:.4f}) -> {cfg.registered_model_name} version "
          f"{version}\nload it with: {promotion.alias_uri}")
    return promotion


@hydra.main(version_base="1.3", config_path="../../conf/promote", config_name="promote")
def main(cfg: DictConfig) -> None:
    promote(cfg)


if __name__ == "__main__":
    main()
