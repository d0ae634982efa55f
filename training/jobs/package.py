r"""Package the entity tagger and the event typer into one MLflow model and register it under an alias.

    python -m training.jobs.package [entity_model=<uri-or-dir>] [event_model=<uri-or-dir>] \
        [registered_model_name=conflict-news] [alias=champion]

Unset model URIs default to the model of the latest finished run of ``entity_experiment`` / ``event_experiment``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import hydra
import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

from inference.model_loading import load_task_model
from inference.model_source import local_model_dir
from inference.predictor import PREDICTOR_TASKS, Predictor, PredictorConfig, kind_problem, label_problem
from inference.pyfunc_base import LOAD_SETTINGS
from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import load_splits
from training.data.event_annotations import read_annotations
from training.events.labels import NO_EVENT, load_labels
from training.events.threshold import tune_anchor_threshold, tune_event_threshold
from training.tracking.mlflow import (INFERENCE_DIR, git_tags, latest_model_uri, log_config, log_pyfunc, setup_tracking,
                                      tracked_run)

EXAMPLE = pd.DataFrame({"id": ["sample-1"], "text": [
    "Militants attacked an army checkpoint near the border on Tuesday, and two soldiers were killed in the "
    "clashes. Later, hundreds of residents marched peacefully in the capital to demand their release."]})
PREDICTOR_SETTINGS = {**LOAD_SETTINGS, "tasks": list(PREDICTOR_TASKS)}  # load-time settings of the logged predictor


def build_predictor(cfg: DictConfig, entity_uri: str, event_uri: str) -> tuple[Predictor, float | None]:
    """Load both models; with ``event_threshold: auto`` tune the threshold on dev: for an anchor tagger on the
    real-news dev sentences (``threshold_sentences``), for a typer on the dev split of ``threshold_data``. Returns
    the predictor and the dev F1 of event types at that threshold."""
    labels = load_labels(cfg.label_file)
    entities = load_task_model(local_model_dir(entity_uri))
    events = load_task_model(local_model_dir(event_uri))
    settings = PredictorConfig(event_types=labels.event_types(), no_event_label=NO_EVENT,
                               versions={"entity_model": entity_uri, "event_model": event_uri,
                                         "label_file_version": str(labels.version)})
    for setting, uri, task, model in (("entity_model", entity_uri, "entities", entities),
                                      ("event_model", event_uri, "events", events)):
        # before the threshold is tuned with the event model
        if problem := kind_problem(task, model) or (task == "events" and label_problem(model, settings)):
            raise ValueError(f"{setting}={uri}: {problem}")
    threshold, score = cfg.event_threshold, None
    if threshold == "auto" and events.meta.task == "token":
        dev = read_annotations(cfg.threshold_sentences, cfg.paths.data_dir, labels.up_to_subtask(3))
        found = Predictor(None, events, settings).event_anchors([s.text for s in dev])
        threshold, score = tune_anchor_threshold(found, [[e[:3] for e in s.events] for s in dev],
                                                 labels.event_types())
    elif threshold == "auto":
        dev = list(load_splits(cfg.threshold_data).splits["dev"])
        probs = events.text_probs([ex["text"] for ex in dev])
        threshold, score = tune_event_threshold(probs, [ex["labels"][0] for ex in dev], events.meta.labels,
                                                labels.event_types(), NO_EVENT)
    return Predictor(entities, events, replace(settings, event_threshold=float(threshold))), score


def package(cfg: DictConfig) -> str:
    """Build, log and register the predictor; returns ``models:/<name>@<alias>``."""
    setup_tracking(cfg.mlflow)
    entity_uri = cfg.entity_model or latest_model_uri(cfg.entity_experiment)
    event_uri = cfg.event_model or latest_model_uri(cfg.event_experiment, cfg.event_approach)
    predictor, threshold_f1 = build_predictor(cfg, entity_uri, event_uri)
    folder = predictor.save(Path(cfg.paths.output_dir) / "predictor")
    with tracked_run(cfg.mlflow.run_name, {"kind": "package", **git_tags()}):
        log_config(cfg)
        mlflow.log_param("event_threshold_used", predictor.config.event_threshold)
        if threshold_f1 is not None:
            mlflow.log_metric("dev_event_type_micro_f1", threshold_f1)

        def predict(frame: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame(predictor.predict_batch(list(frame["text"])))

        info = log_pyfunc(INFERENCE_DIR / "pyfunc_predictor.py", {"predictor": str(folder)}, EXAMPLE, predict,
                          registered_model_name=cfg.registered_model_name, settings=PREDICTOR_SETTINGS)
        version = info.registered_model_version
        MlflowClient().set_registered_model_alias(cfg.registered_model_name, cfg.alias, version)
        alias_uri = f"models:/{cfg.registered_model_name}@{cfg.alias}"
        print(f"event threshold: {predictor.config.event_threshold}"
              + (f" (tuned on dev: F1 {threshold_f1:.3f})" if threshold_f1 is not None else ""))
        print(f"logged model: {info.model_uri}\nregistered: {cfg.registered_model_name} version {version}\n"
              f"load it with: {alias_uri}\npredictor folder: {folder}")
    return alias_uri


@hydra.main(version_base="1.3", config_path="../../conf", config_name="package")
def main(cfg: DictConfig) -> None:
    package(cfg)


if __name__ == "__main__":
    main()
