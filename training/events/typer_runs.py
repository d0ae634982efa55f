"""What every event-typer run logs: dev scores (task metrics and CASE 2021 subtasks) and the typer as a model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd

from inference.ensemble import Ensemble
from inference.similarity_typer import SimilarityTyper
from inference.task_model import classify
from training.events.case_eval import log_case_metrics
from training.tasks import sequence
from training.tracking.mlflow import INFERENCE_DIR, SAMPLE_TEXTS, log_pyfunc, log_report

@dataclass
class TyperRun:
    metrics: dict[str, float]  # dev task metrics
    case: dict[str, float]  # dev CASE 2021 subtask metrics
    model_uri: str
    folder: Path


def log_typer(typer: SimilarityTyper | Ensemble, dev: list[dict], label_file: str,
              output_dir: Path) -> TyperRun:
    """Score ``typer`` on dev, save it under ``output_dir/model`` and log both to the active run."""
    probs = typer.text_probs([ex["text"] for ex in dev])
    evaluation = sequence.score(dev, probs, typer.meta.labels, multi_label=False)
    log_report(evaluation.report, evaluation.metrics, "dev")
    case = log_case_metrics(dev, probs, typer.meta.labels, label_file)
    folder = typer.save(output_dir / "model")
    info = log_pyfunc(INFERENCE_DIR / "pyfunc_task.py", {"model": str(folder)}, pd.DataFrame({"text": SAMPLE_TEXTS}),
                      lambda frame: classify(typer, list(frame["text"])))
    mlflow.set_tag("model_uri", info.model_uri)
    print(f"dev subtask-1 weighted F1: {case['subtask1.f1_weighted']:.4f}\nMLflow run id: "
          f"{mlflow.active_run().info.run_id}\nmodel URI: {info.model_uri}\nmodel folder: {folder}")
    return TyperRun(evaluation.metrics, case, info.model_uri, folder)
