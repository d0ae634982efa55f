"""Package the entity tagger and the event typer into one MLflow model and register it under an alias.

    python -m training.package [entity_model=<uri-or-dir>] [event_model=<uri-or-dir>] \
        [registered_model_name=conflict-news] [alias=champion]

Unset model URIs default to the model of the latest finished run of ``entity_experiment`` / ``event_experiment``.
"""

from __future__ import annotations

from pathlib import Path

import hydra
import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

from inference.model_loading import load_task_model
from inference.model_source import local_model_dir
from inference.predictor import Predictor, PredictorConfig
from inference.task_model import TaskModel
from training import config  # noqa: F401  (registers the Hydra schema)
from training.events.labels import NO_EVENT, load_labels
from training.tracking import (INFERENCE_DIR, git_tags, latest_model_uri, log_config, log_pyfunc, setup_tracking,
                               tracked_run)

EXAMPLE = pd.DataFrame({"id": ["sample-1"], "text": [
    "Militants attacked an army checkpoint near the border on Tuesday, and two soldiers were killed in the "
    "clashes. Later, hundreds of residents marched peacefully in the capital to demand their release."]})


def build_predictor(cfg: DictConfig, entity_uri: str, event_uri: str) -> Predictor:
    """Load both task models and check that the event typer's labels all have an ACLED mapping."""
    labels = load_labels(cfg.label_file)
    entities = TaskModel.load(local_model_dir(entity_uri))
    events = load_task_model(local_model_dir(event_uri))
    settings = PredictorConfig(event_types=labels.event_types(), no_event_label=NO_EVENT,
                               event_threshold=cfg.event_threshold,
                               versions={"entity_model": entity_uri, "event_model": event_uri,
                                         "label_file_version": str(labels.version)})
    return Predictor(entities, events, settings)


def package(cfg: DictConfig) -> str:
    """Build, log and register the predictor; returns ``models:/<name>@<alias>``."""
    setup_tracking(cfg.mlflow)
    entity_uri = cfg.entity_model or latest_model_uri(cfg.entity_experiment)
    event_uri = cfg.event_model or latest_model_uri(cfg.event_experiment, cfg.event_approach)
    predictor = build_predictor(cfg, entity_uri, event_uri)
    folder = predictor.save(Path(cfg.paths.output_dir) / "predictor")
    with tracked_run(cfg.mlflow.run_name, {"kind": "package", **git_tags()}):
        log_config(cfg)

        def predict(frame: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame(predictor.predict_batch(list(frame["text"])))

        info = log_pyfunc(INFERENCE_DIR / "pyfunc_predictor.py", {"predictor": str(folder)}, EXAMPLE, predict,
                          registered_model_name=cfg.registered_model_name)
        version = info.registered_model_version
        MlflowClient().set_registered_model_alias(cfg.registered_model_name, cfg.alias, version)
        alias_uri = f"models:/{cfg.registered_model_name}@{cfg.alias}"
        print(f"logged model: {info.model_uri}\nregistered: {cfg.registered_model_name} version {version}\n"
              f"load it with: {alias_uri}\npredictor folder: {folder}")
    return alias_uri


@hydra.main(version_base="1.3", config_path="../conf", config_name="package")
def main(cfg: DictConfig) -> None:
    package(cfg)


if __name__ == "__main__":
    main()
