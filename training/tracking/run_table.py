"""Tables of MLflow runs for evaluators (used by ``notebooks/compare_runs.ipynb`` and ``training.jobs.promote``)."""

from __future__ import annotations

import os
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from training.modeling.metrics import PRIMARY_METRIC, comparable_metric

KEY_PARAMS = {"seed": "seed", "trainer.learning_rate": "learning_rate", "trainer.num_train_epochs": "epochs",
              "trainer.per_device_train_batch_size": "batch_size", "data.max_length": "max_length"}
TAGS = ("dataset", "task", "encoder", "approach", "kind")


def default_tracking_uri(start: Path | None = None) -> str:
    """``$MLFLOW_TRACKING_URI``, else the first ``mlflow.db`` in ``start`` (default: the working folder) or
    its parents, else ``sqlite:///mlflow.db`` there."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "mlflow.db").is_file():
            return f"sqlite:///{folder / 'mlflow.db'}"
    return f"sqlite:///{start / 'mlflow.db'}"


def primary_metric(task: str) -> str:
    """The dev metric runs of a task are compared by, e.g. ``dev_f1_micro``."""
    return f"dev_{PRIMARY_METRIC[task]}"


def experiments_table(client: MlflowClient) -> pd.DataFrame:
    """One row per experiment: name, id and number of runs, most runs first."""
    rows = [{"experiment": e.name, "experiment_id": e.experiment_id,
             "runs": len(client.search_runs([e.experiment_id], max_results=50000))}
            for e in client.search_experiments()]
    frame = pd.DataFrame(rows, columns=["experiment", "experiment_id", "runs"])
    return frame.sort_values(["runs", "experiment"], ascending=[False, True], ignore_index=True)


def runs_table(experiment_names: list[str] | None = None) -> pd.DataFrame:
    """One row per run: experiment, name, status, dataset/task/encoder/approach/kind tags, key params, and the
    dev metric runs are compared by (``metric``, ``score``; for seed summaries the mean, with ``score_std``): the
    primary one, or for multi-label runs its held-out counterpart where logged. Best score first."""
    ids = {e.experiment_id: e.name for e in mlflow.search_experiments()}
    runs = mlflow.search_runs(experiment_names=experiment_names or list(ids.values()), output_format="list",
                              max_results=50000)
    rows = []
    for run in runs:
        tags, params, metrics = run.data.tags, run.data.params, run.data.metrics
        task = tags.get("task")
        summary = tags.get("kind") == "seed_summary"
        metric = None
        if task in PRIMARY_METRIC:
            logged = {name.removesuffix("_mean") for name in metrics} if summary else metrics
            metric = comparable_metric(primary_metric(task), logged)
        rows.append({"experiment": ids.get(run.info.experiment_id, run.info.experiment_id),
                     "run_id": run.info.run_id, "run_name": run.info.run_name, "status": run.info.status,
                     **{tag: tags.get(tag) for tag in TAGS},
                     **{short: params.get(name) for name, short in KEY_PARAMS.items()},
                     "metric": metric,
                     "score": metrics.get(f"{metric}_mean" if summary else metric) if metric else None,
                     "score_std": metrics.get(f"{metric}_std") if metric and summary else None,
                     "model_uri": tags.get("model_uri"), "start_time": pd.to_datetime(run.info.start_time, unit="ms")})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    for column in ("learning_rate", "epochs", "batch_size", "seed", "max_length"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame.sort_values("score", ascending=False, na_position="last", ignore_index=True)


def label_f1(run: Run) -> pd.Series:
    """Dev F1 per label (entity type for token tasks) of a run, from its ``dev_<label>.f1`` metrics."""
    scores = {k[4:-3]: v for k, v in run.data.metrics.items()
              if k.startswith("dev_") and k.endswith(".f1") and not k.startswith("dev_at_0.5_")}
    return pd.Series(scores, dtype=float).sort_index()
