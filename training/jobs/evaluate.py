r"""Score a fine-tuned model on any file in a dataset's native format, e.g. a withheld test split.

    python -m training.jobs.evaluate model_uri=<MLflow model URI or local model folder> data=<name> \
        data.test_path=<file> [data.test_keys=[...]] output_dir=<dir>

Writes ``<output_dir>/predictions.conll`` (token tasks) or ``predictions.jsonl`` (classification) and
``<output_dir>/metrics.json``, and logs both to MLflow, linked to the model when it is an MLflow LoggedModel.
``model_uri=[<uri>,<uri>,...]`` scores a seed ensemble: the mean of the models' probabilities
(``inference.ensemble``; ``training.jobs.seed_ensemble`` saves one as a model of its own). ``data=case2021`` scores an
event typer (alone or inside a packaged predictor) on CASE 2021 Task 2 subtasks 1-3 and on the six ACLED event
types, by its forced argmax; a packaged predictor is also scored on what services get, its best reported event or
none (``predictor.*`` metrics).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import hydra
import mlflow
from mlflow.exceptions import MlflowException
from omegaconf import DictConfig, ListConfig, OmegaConf

from inference.ensemble import Ensemble
from inference.model_loading import load_task_model
from inference.model_source import download_if_uri, local_model_dir
from inference.predictor import PREDICTOR_FILE, Predictor
from inference.task_model import Decisions
from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import read_file
from training.data.base import write_jsonl
from training.events.case_eval import case_scores, output_scores
from training.events.labels import NO_EVENT, load_labels
from training.tasks import task_module
from training.tasks.token import check_decoding
from training.tracking.mlflow import git_tags, log_report, setup_tracking, tracked_run


def check_compatible(model: Decisions, data_cfg: DictConfig, examples: list[dict], path: str) -> None:
    """The model must do the data's task, and every gold label in the file must be one the model knows."""
    if model.meta.task != data_cfg.task:
        raise ValueError(f"model does {model.meta.task!r} but data={data_cfg.name} is {data_cfg.task!r}")
    key = "tags" if data_cfg.task == "token" else "labels"
    known = set(model.meta.labels)
    for ex in examples:
        unknown = sorted(set(ex[key]) - known)
        if unknown:
            raise ValueError(f"{path}: example {ex['id']} has labels {unknown} the model does not know "
                             f"(model labels: {model.meta.labels})")


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Predict every example of ``cfg.data.test_path``, write predictions and metrics, log them to MLflow."""
    if not cfg.data.test_path:
        raise ValueError("set data.test_path=<file> to the file to score")
    uris = _uris(cfg.model_uri)
    if len(uris) > 1 and cfg.data.get("evaluation") == "case2021":
        raise ValueError("data=case2021 scores one event typer; build a weighted ensemble of typers with "
                         "training.events.ensemble and pass its model_uri")
    if cfg.decoding:
        if cfg.data.task != "token":
            raise ValueError(f"decoding={cfg.decoding} applies to token models only, not to data.task="
                             f"{cfg.data.task!r}")
        check_decoding(cfg.decoding, cfg.data.task)
    examples, stats = read_file(cfg.data, cfg.data.test_path, cfg.data.get("test_keys"))
    output_dir = Path(cfg.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    decoding: dict = {}  # token models: the decoding used, and whether decoding= overrode the model's own
    if cfg.data.get("evaluation") == "case2021":
        metrics, report, predictions = _evaluate_case(cfg, uris[0], examples, output_dir)
    else:
        models = [load_task_model(local_model_dir(uri), precision=cfg.precision) for uri in uris]
        own = {member.meta.decoding for member in models}
        if cfg.decoding:  # before the ensemble is built: members saved with different decodings are then alike
            for member in models:
                member.meta = replace(member.meta, decoding=cfg.decoding)
        model = Ensemble.of_seeds(models) if len(models) > 1 else models[0]
        check_compatible(model, cfg.data, examples, cfg.data.test_path)
        if cfg.data.task == "token":
            decoding = {"decoding": model.meta.decoding, "decoding_overridden": own != {model.meta.decoding}}
        module = task_module(cfg.data.task)
        evaluation = module.evaluate(model, examples)
        metrics, report = evaluation.metrics, evaluation.report
        predictions = output_dir / f"predictions{module.PREDICTIONS_SUFFIX}"
        module.write_predictions(evaluation, predictions)
    metrics_path = output_dir / "metrics.json"
    metrics_path.write_text(json.dumps({"metrics": metrics, "report": report, "examples": len(examples),
                                        "reader_stats": stats, "model_uri": uris if len(uris) > 1 else uris[0],
                                        "test_path": str(cfg.data.test_path), **decoding}, indent=2),
                            encoding="utf-8")
    _log(cfg, uris, metrics, report, [predictions, metrics_path], decoding)
    return metrics


def _evaluate_case(cfg: DictConfig, uri: str, examples: list[dict], output_dir: Path) -> tuple[dict, dict, Path]:
    """CASE 2021 subtask scores of the event typer's forced argmax (``subtask<k>.*``) and, for a packaged
    predictor, of what services get: the label of its best reported event, or NO_EVENT (``predictor.*``). An
    anchor tagger has no forced argmax: its predictor is scored on its output alone."""
    root = download_if_uri(uri)
    predictor = Predictor.load(root, cfg.precision, tasks=["events"]) if any(root.rglob(PREDICTOR_FILE)) else None
    typer = predictor.events if predictor else load_task_model(local_model_dir(root), precision=cfg.precision)
    texts = [ex["text"] for ex in examples]
    label_set = load_labels(cfg.data.label_file)
    gold = [ex["labels"][0] for ex in examples]
    event_type = label_set.event_types()
    metrics: dict[str, float] = {}
    records = [{"id": ex["id"], "gold": truth, "gold_event_type": event_type.get(truth)}
               for ex, truth in zip(examples, gold)]
    if typer.meta.task != "token":
        probs = typer.text_probs(texts)
        metrics, per_row = case_scores(gold, probs, typer.meta.labels, label_set)
        for record, row, extra in zip(records, probs, per_row):
            best = typer.meta.labels[int(row.argmax())]
            record.update({"predicted": best, "predicted_event_type": event_type.get(best), **extra,
                           "scores": {lab: round(float(p), 4) for lab, p in zip(typer.meta.labels, row)}})
    if predictor is not None:
        outputs = [best_event_label(out) for out in predictor.predict_batch(texts)]
        metrics.update(output_scores(gold, outputs, label_set))
        for record, label in zip(records, outputs):
            record["predictor_output"] = label
    predictions = output_dir / "predictions.jsonl"
    write_jsonl(predictions, records)
    return metrics, {"label_file_version": label_set.version}, predictions


def best_event_label(output: dict) -> str:
    """The label of a predictor output's best-scoring event (ACLED or not), or NO_EVENT when it reports none."""
    events = [(e["score"], e["sub_event_type"]) for e in output["events"]]
    events += [(e["score"], e["label"]) for e in output["non_acled_events"]]
    return max(events)[1] if events else NO_EVENT


def _uris(model_uri: str | ListConfig) -> list[str]:
    """The URIs of ``model_uri``: one model, or the members of a seed ensemble (a list of one is that model)."""
    return [str(uri) for uri in model_uri] if OmegaConf.is_list(model_uri) else [str(model_uri)]


def _log(cfg: DictConfig, uris: list[str], metrics: dict[str, float], report: dict, files: list[Path],
         decoding: dict) -> None:
    """One evaluation run; its metrics are linked to the model's LoggedModel unless they were decoded otherwise
    than the model decodes (``decoding``: token models' decoding and whether ``decoding=`` overrode it)."""
    setup_tracking(cfg.mlflow)
    linked = len(uris) == 1 and not decoding.get("decoding_overridden")
    model_id = _logged_model_id(uris[0]) if linked else None
    model = {"model_uris": ",".join(uris)} if len(uris) > 1 else {"model_uri": uris[0]}
    tags = {"dataset": cfg.data.name, "task": cfg.data.task, "kind": "evaluation", **model,
            "test_path": str(cfg.data.test_path), **{k: str(v) for k, v in decoding.items()}, **git_tags()}
    with tracked_run(cfg.mlflow.run_name, tags) as run:
        log_report(report, metrics, "test", model_id=model_id)
        for path in files:
            mlflow.log_artifact(str(path))
        print(json.dumps({k: round(v, 4) for k, v in metrics.items() if "." not in k or k.startswith(
            ("subtask", "event_type"))}, indent=2))
        print("\n".join(f"{path.stem}: {path}" for path in files) + f"\nMLflow run id: {run.info.run_id}")


def _logged_model_id(uri: str) -> str | None:
    """The LoggedModel id behind ``models:/m-<id>`` (or a registered ``models:/name@alias``), if any."""
    match = re.fullmatch(r"models:/(m-[0-9a-f]+)", uri)
    if match:
        return match.group(1)
    if uri.startswith("models:/"):
        try:
            return mlflow.models.get_model_info(uri).model_id
        except MlflowException:  # not resolvable to a LoggedModel: the metrics stay on the run only
            return None
    return None


@hydra.main(version_base="1.3", config_path="../../conf", config_name="evaluate")
def main(cfg: DictConfig) -> None:
    evaluate(cfg)


if __name__ == "__main__":
    main()
