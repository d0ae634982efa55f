"""Seed ensembles: models of one dataset trained with different seeds, served and scored as one model.

    python -m training.jobs.seed_ensemble data=<dataset> 'model_uris=[<uri-or-dir>,<uri-or-dir>,...]'
    python -m training.jobs.seed_ensemble data=<dataset>     # the models of the dataset's latest seed group

saves the ensemble (``inference.ensemble``) as one model folder, scores it on the data's dev split and logs both
to MLflow like a training run (tag ``approach=seed_ensemble``), so that ``training.jobs.evaluate``,
``training.jobs.package`` and the pyfunc take its ``model_uri`` as they take a single model's. The mean of the members'
probabilities is decided as one model's would be: tags decoded as the members decode them (Viterbi by default),
the argmax label, and every label at 0.5 or above for multi-label texts, since the members' own tuned thresholds
do not carry over to their mean.
"""

from __future__ import annotations

from pathlib import Path

import hydra
import mlflow
from omegaconf import DictConfig

from inference.ensemble import Ensemble
from inference.model_loading import load_task_model
from inference.model_source import local_model_dir
from inference.task_model import TaskModel
from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import load_splits
from training.data.base import Example
from training.jobs.evaluate import check_compatible
from training.modeling.metrics import PRIMARY_METRIC
from training.tasks import sequence, task_module, token
from training.tracking.mlflow import git_tags, log_config, log_report, log_task_model, setup_tracking, tracked_run
from training.tracking.seed_summary import SUMMARY_KIND


def ensemble_evaluation(models: list[TaskModel], examples: list[Example]) -> token.Evaluation | sequence.Evaluation:
    """Metrics and predictions of the members' mean probabilities on ``examples``."""
    ensemble = Ensemble.of_seeds(models)
    return task_module(ensemble.meta.task).evaluate(ensemble, examples)


def member_uris(cfg: DictConfig) -> list[str]:
    """``cfg.model_uris``, else the models of the runs of the latest seed summary of ``cfg.data.name`` in the
    experiment ``cfg.mlflow.experiment_name`` (what ``training.train -m ... seed=1,2,3`` logs)."""
    if cfg.model_uris:
        return [str(uri) for uri in cfg.model_uris]
    name = cfg.mlflow.experiment_name
    experiment = mlflow.get_experiment_by_name(name)
    summaries = [] if experiment is None else mlflow.search_runs(
        [experiment.experiment_id], f"tags.kind = '{SUMMARY_KIND}' and tags.dataset = '{cfg.data.name}'",
        order_by=["attributes.start_time DESC"], max_results=1, output_format="list")
    if not summaries:
        raise LookupError(f"MLflow experiment {name!r} has no seed summary of {cfg.data.name}: train a seed group "
                          f"(python -m training.train -m experiment=<name> seed=1,2,3) or pass model_uris=[...]")
    runs = [mlflow.get_run(run_id) for run_id in summaries[0].data.tags["child_runs"].split(",")]
    missing = [run.info.run_id for run in runs if not run.data.tags.get("model_uri")]
    if missing:
        raise LookupError(f"seed summary {summaries[0].info.run_id}: runs {missing} logged no model")
    return [run.data.tags["model_uri"] for run in runs]


def build_seed_ensemble(cfg: DictConfig) -> float:
    """Save, score on dev and log the seed ensemble of ``member_uris(cfg)``; returns its dev primary metric."""
    setup_tracking(cfg.mlflow)
    uris = member_uris(cfg)
    ensemble = Ensemble.of_seeds([load_task_model(local_model_dir(uri), cfg.precision) for uri in uris])
    dev = list(load_splits(cfg.data).splits["dev"])
    check_compatible(ensemble, cfg.data, dev, f"{cfg.data.name} dev")
    model_dir = ensemble.save(Path(cfg.paths.output_dir) / "model")
    evaluation = task_module(cfg.data.task).evaluate(ensemble, dev)
    primary = PRIMARY_METRIC[cfg.data.task]
    tags = {"dataset": cfg.data.name, "task": cfg.data.task, "approach": "seed_ensemble",
            "model_uris": ",".join(uris), "model_dir": str(model_dir), **git_tags()}
    with tracked_run(cfg.mlflow.run_name or f"{cfg.data.name}-seed-ensemble-of-{len(uris)}", tags) as run:
        log_config(cfg)
        log_report(evaluation.report, evaluation.metrics, "dev")
        model_uri = log_task_model(ensemble, model_dir)
        print(f"dev {primary}: {evaluation.metrics[primary]:.4f} ({len(uris)} members)")
        print(f"MLflow run id: {run.info.run_id}\nmodel URI: {model_uri}\nmodel folder: {model_dir}")
    return evaluation.metrics[primary]


@hydra.main(version_base="1.3", config_path="../../conf", config_name="seed_ensemble")
def main(cfg: DictConfig) -> float:
    return build_seed_ensemble(cfg)


if __name__ == "__main__":
    main()
