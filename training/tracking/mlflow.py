"""MLflow tracking: store and experiment set-up, run lifecycle, and what every run logs."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import version
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.models import ModelSignature, infer_signature
from mlflow.types import ColSpec, Schema
from omegaconf import DictConfig, OmegaConf
from transformers import TrainerCallback

import inference
from inference.pyfunc_base import LOAD_SETTINGS
from inference.task_model import Decisions, classify

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MAX_PARAM_LENGTH = 6000
INFERENCE_DIR = Path(inference.__file__).parent
# the input example logged with every task model
SAMPLE_TEXTS = ["Government forces shelled rebel positions near Aleppo on Monday, killing three fighters.",
                "The foreign minister met his counterpart in Geneva to discuss a ceasefire."]
MODEL_REQUIREMENTS = ("torch", "transformers", "tokenizers", "safetensors", "numpy", "pandas", "mlflow")


def tracking_uri(configured: str | None) -> str:
    """The configured URI, else ``$MLFLOW_TRACKING_URI``, else SQLite ``mlflow.db`` in the working directory."""
    return configured or os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{Path.cwd() / 'mlflow.db'}"


def setup_tracking(mlflow_cfg: DictConfig) -> str:
    """Point MLflow at the store and select the experiment; returns the experiment id.

    In a SQLite store, an experiment this creates keeps its artifacts beside the database file, in
    ``<database folder>/mlruns/<experiment name>``: MLflow's own default is ``./mlruns`` under whichever working
    directory first used the experiment, so runs started elsewhere would scatter (and lose) their models. A file
    lock around store creation keeps parallel jobs on a fresh SQLite store from racing on its migration.
    """
    uri = tracking_uri(mlflow_cfg.tracking_uri)
    mlflow.set_tracking_uri(uri)
    database = Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None
    name = mlflow_cfg.experiment_name
    with _file_lock(Path(f"{database}.lock") if database else None):
        if database is not None and mlflow.get_experiment_by_name(name) is None:
            folder = re.sub(r"[^\w.-]", "_", name)
            mlflow.create_experiment(name, artifact_location=str(database.resolve().parent / "mlruns" / folder))
        return mlflow.set_experiment(name).experiment_id


@contextlib.contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def tracked_run(run_name: str | None, tags: Mapping[str, str],
                run_id: str | None = None) -> Iterator[mlflow.ActiveRun]:
    """An MLflow run (a new one, or run ``run_id`` reopened) that ends FINISHED, FAILED on an exception, or KILLED
    on Ctrl-C or SIGTERM."""

    def _terminate(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    run = mlflow.start_run(run_id=run_id, run_name=None if run_id else run_name, tags=dict(tags))
    # signal handlers can only be set from the main thread (not so in a threaded launcher's workers)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        yield run
    except KeyboardInterrupt:
        mlflow.end_run("KILLED")
        raise
    except BaseException:
        mlflow.end_run("FAILED")
        raise
    else:
        mlflow.end_run("FINISHED")
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def git_tags() -> dict[str, str]:
    """The project's git commit and whether the tree had uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        return {"git_commit": git("rev-parse", "HEAD"), "git_dirty": str(bool(git("status", "--porcelain")))}
    except (subprocess.CalledProcessError, FileNotFoundError):
        return {"git_commit": "unknown", "git_dirty": "unknown"}


def flatten(tree: Mapping, prefix: str = "") -> dict[str, object]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists stay values."""
    out: dict[str, object] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def log_config(cfg: DictConfig) -> None:
    """The resolved config: as flattened params, and as ``config.yaml``."""
    resolved = OmegaConf.to_container(cfg, resolve=True)
    params = {}
    for key, value in flatten(resolved).items():
        text = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
        params[key] = text if len(text) <= MAX_PARAM_LENGTH else "<too long for a param: see config.yaml>"
    mlflow.log_params(params)
    mlflow.log_text(OmegaConf.to_yaml(resolved), "config.yaml")


def log_dataset(records: list[dict], name: str, source: str, context: str) -> None:
    """One split as an MLflow dataset input (name, digest, schema, source)."""
    frame = pd.DataFrame([{k: json.dumps(v) if isinstance(v, list) else v for k, v in r.items()} for r in records])
    dataset = mlflow.data.from_pandas(frame, source=source, name=name)
    mlflow.log_input(dataset, context=context)


def log_report(report: dict, metrics: Mapping[str, float], prefix: str, model_id: str | None = None) -> None:
    """Final metrics as ``<prefix>_<name>`` (linked to a LoggedModel if given) and the per-label report as JSON."""
    mlflow.log_metrics({f"{prefix}_{k}": float(v) for k, v in metrics.items()}, model_id=model_id)
    mlflow.log_dict(report, f"reports/{prefix}_report.json")


class MlflowMetricsCallback(TrainerCallback):
    """Logs per-epoch training loss, learning rate, epoch time and dev metrics to the active MLflow run.

    In a run resumed from a checkpoint, the mean epoch time and the training time include the earlier epochs.
    """

    RENAMES = {"loss": "train_loss", "train_loss": "train_loss_mean", "train_runtime": "train_runtime_s"}

    def __init__(self) -> None:
        self._epoch_start = 0.0
        self._epoch_times: list[float] = []
        self._earlier_s = 0.0  # a resumed run: training time of the epochs before its checkpoint

    def on_train_begin(self, args, state, control, **kwargs):
        run = mlflow.active_run()
        if state.global_step and run is not None:  # resumed from a checkpoint: count the epochs it holds
            history = mlflow.MlflowClient().get_metric_history(run.info.run_id, "epoch_time_s")
            latest = {m.step: m.value for m in sorted(history, key=lambda m: m.timestamp)}  # an epoch done twice
            self._epoch_times = [latest[step] for step in sorted(latest) if step <= state.global_step]
            self._earlier_s = sum(self._epoch_times)

    def on_epoch_begin(self, args, state, control, **kwargs):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, args, state, control, **kwargs):
        self._epoch_times.append(time.perf_counter() - self._epoch_start)
        mlflow.log_metric("epoch_time_s", self._epoch_times[-1], step=state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        if self._epoch_times:
            mlflow.log_metric("epoch_time_mean_s", sum(self._epoch_times) / len(self._epoch_times))

    def on_log(self, args, state, control, logs=None, **kwargs):
        metrics = {}
        for key, value in (logs or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                name = f"epoch_dev_{key[5:]}" if key.startswith("eval_") else self.RENAMES.get(key, key)
                metrics[name] = float(value)
        if "train_runtime_s" in metrics:
            metrics["train_runtime_s"] += self._earlier_s
        mlflow.log_metrics(metrics, step=state.global_step)


def pinned_requirements() -> list[str]:
    """Exact versions of what the pyfunc model imports (torch without its local ``+cpu`` tag)."""
    return [f"{name}=={version(name).split('+')[0]}" for name in MODEL_REQUIREMENTS]


def log_pyfunc(python_model: Path, artifacts: dict[str, str], example: pd.DataFrame,
               predict_fn: Callable[[pd.DataFrame], object], registered_model_name: str | None = None,
               settings: Mapping[str, object] = LOAD_SETTINGS) -> mlflow.models.model.ModelInfo:
    """A models-from-code pyfunc (code from ``inference/``, weights as artifacts) with signature and example.

    Input columns: ``text`` (required string) and the example's other columns (optional strings, e.g. ``id``).
    ``settings`` are its load-time settings with their defaults (MLflow overrides only the keys logged).
    """
    inputs = Schema([ColSpec("string", column, required=column == "text") for column in example.columns])
    signature = ModelSignature(inputs=inputs, outputs=infer_signature(example, predict_fn(example)).outputs)
    return mlflow.pyfunc.log_model(name="model", python_model=str(python_model), artifacts=artifacts,
                                   code_paths=[str(INFERENCE_DIR)], signature=signature, input_example=example,
                                   pip_requirements=pinned_requirements(), model_config=dict(settings),
                                   registered_model_name=registered_model_name)


def model_runs_filter(approach: str | None = None) -> str:
    """MLflow filter of the FINISHED runs that logged a model (with that ``approach`` tag, if given)."""
    query = "attributes.status = 'FINISHED' and tags.model_uri != ''"
    return f"{query} and tags.approach = '{approach}'" if approach else query


def log_task_model(model: Decisions, model_dir: Path) -> str:
    """Log a task model's folder as a pyfunc (``inference/pyfunc_task.py``) and tag the run with its
    ``model_uri``, which is returned."""
    def predict(frame: pd.DataFrame) -> object:
        texts = list(frame["text"])
        return {"entities": model.entities(texts)} if model.meta.task == "token" else classify(model, texts)

    model_uri = log_pyfunc(INFERENCE_DIR / "pyfunc_task.py", {"model": str(model_dir)},
                           pd.DataFrame({"text": SAMPLE_TEXTS}), predict).model_uri
    mlflow.set_tag("model_uri", model_uri)
    return model_uri


def latest_model_uri(experiment_name: str, approach: str | None = None) -> str:
    """The ``model_uri`` tag of the most recent FINISHED run of an experiment (with that ``approach`` tag)."""
    experiment = mlflow.get_experiment_by_name(experiment_name)
    if experiment is None:
        raise LookupError(f"no MLflow experiment {experiment_name!r}: train it first or pass the model URI")
    runs = mlflow.search_runs([experiment.experiment_id], model_runs_filter(approach),
                              order_by=["attributes.start_time DESC"],
                              max_results=1, output_format="list")
    if not runs:
        raise LookupError(f"experiment {experiment_name!r} has no finished run with a logged model"
                          + (f" and approach={approach}" if approach else ""))
    return runs[0].data.tags["model_uri"]
