"""Fine-tune a classifier on one dataset and log the run to MLflow.

    python -m training.train data=re3d [model=minilm|mpnet|tiny] [trainer.<field>=...] [experiment=<name>]
    python -m training.train -m experiment=re3d seed=1,2,3            # a seed group, summarized at the end
    python -m training.train hparams_search=optuna experiment=re3d    # an Optuna search of the dev metric
    python -m training.train experiment=re3d refit=true               # a final fit on train and dev together
"""

from __future__ import annotations

from pathlib import Path

import hydra
import mlflow
from mlflow.entities import Run
from omegaconf import DictConfig, OmegaConf
from transformers import set_seed

from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import LoadedData, load_splits, with_dev_in_train
from training.events.case_eval import log_case_metrics
from training.modeling.crf import check_crf
from training.modeling.encoders import check_attention_dropout, check_word_shapes
from training.modeling.fit import FitResult, fit
from training.modeling.loss import check_scheme
from training.modeling.metrics import PRIMARY_METRIC, binarize, comparable_metric
from training.modeling.settings import check_settings
from training.tasks import sequence, task_module, token
from training.tracking.figures import log_confusion_matrix, log_per_label_f1, log_pr_curves, log_training_curves
from training.tracking.mlflow import (git_tags, log_config, log_dataset, log_report, log_task_model, setup_tracking,
                                      tracked_run)
from training.tracking.run_identity import (CHECKPOINTS_TAG, PROCESS_TAG, data_digest, finished_run, identity_tags,
                                            interrupted_run, process_tag)
from training.tracking.seed_summary import write_marker


CONTEXTS = {"train": "training", "dev": "validation"}  # MLflow dataset input context per split


def train(cfg: DictConfig) -> float:
    """Train, evaluate on dev and log everything; returns the dev score runs are compared by (for sweeps): the
    primary metric, or for multi-label runs its held-out counterpart (``training.modeling.metrics.comparable_metric``).

    ``refit=true`` is a final fit, for settings already chosen on dev: it trains on train and dev together for
    ``trainer.num_train_epochs`` and keeps the last epoch; it logs no dev metric (and returns NaN), since dev is
    part of its training data.

    An identical configuration (same config, data and git commit) that already finished is not trained again
    unless ``force=true``: its score is returned instead. One that was interrupted after saving an epoch
    checkpoint is resumed from it, in the same MLflow run, unless ``resume=false`` or ``force=true``;
    ``resume=<run id>`` names the run (one left RUNNING by a process this host cannot see).
    """
    set_seed(cfg.seed)
    check_settings(cfg)
    check_scheme(cfg.class_weights, cfg.data.task)
    check_word_shapes(cfg.word_shapes, cfg.data.task, cfg.model)
    check_attention_dropout(cfg.attention_dropout, cfg.model)
    token.check_decoding(cfg.decoding, cfg.data.task)
    check_crf(cfg.crf, cfg.data.task)
    data = load_splits(cfg.data)
    if cfg.refit:
        data = with_dev_in_train(data)
    output_dir = Path(cfg.paths.output_dir)
    experiment_id = setup_tracking(cfg.mlflow)
    primary = PRIMARY_METRIC[cfg.data.task]
    identity = identity_tags(cfg, data_digest(data.splits))
    tags = {"dataset": cfg.data.name, "task": cfg.data.task, "encoder": cfg.model.name,
            "approach": "final_fit" if cfg.refit else "fine_tune",
            **git_tags(), **identity}
    done = None if cfg.force else finished_run(experiment_id, identity["config_hash"], tags["git_commit"])
    if done is not None:
        write_marker(output_dir, done, skipped=True)
        name, score = (None, float("nan")) if cfg.refit else comparable_score(done, primary)
        found = f"{name} {score:.4f}" if name else "a final fit: no dev score"
        print(f"skipped: this configuration already finished as run {done.info.run_id} ({found}); "
              "pass force=true to train it again")
        return score
    resumed = None
    if cfg.resume is not False and not cfg.force:  # true: the latest interrupted run; a run id: that one
        resumed = interrupted_run(experiment_id, identity["config_hash"], tags["git_commit"],
                                  None if cfg.resume is True else str(cfg.resume))
    checkpoints_dir = resumed.checkpoint.parent if resumed else (output_dir / "checkpoints").resolve()
    tags.update({CHECKPOINTS_TAG: str(checkpoints_dir), PROCESS_TAG: process_tag()})
    # a readable default name (MLflow's generated names repeat once the seed is set)
    run_name = cfg.mlflow.run_name or (f"{cfg.data.name}{'-refit' if cfg.refit else ''}-{cfg.model.name}-seed{cfg.seed}"
                                       f"-{identity['config_hash'][:6]}")
    with tracked_run(run_name, tags, resumed.run.info.run_id if resumed else None) as run:
        if resumed:  # the first attempt logged the config (it differs at most in IGNORED_KEYS) and the same data
            mlflow.set_tag("resumed_from", resumed.checkpoint.name)
            mlflow.log_text(OmegaConf.to_yaml(cfg, resolve=True), "config_resumed.yaml")
            print(f"resuming interrupted run {run.info.run_id} from {resumed.checkpoint} (resume=false starts afresh)")
        else:
            log_config(cfg)
            mlflow.log_params({f"data_stats.{k}": v for k, v in data.stats.items()})
            for split, examples in data.splits.items():
                name = "train+dev" if cfg.refit else split
                log_dataset(list(examples), f"{cfg.data.name}.{name}", data.sources[split], CONTEXTS[split])

        result = fit(cfg, data, output_dir, checkpoints_dir, resumed.checkpoint if resumed else None)
        mlflow.set_tag("model_dir", str(result.model_dir))  # where the model was saved (also by a resumed run)
        if result.evaluation is None:
            log_training_curves(result.history, primary)
            print("refit=true: dev is part of the training data, so this run has no dev score")
        else:
            log_dev(cfg, data, result, output_dir)
            print(f"dev {primary}: {result.evaluation.metrics[primary]:.4f}")
        model_uri = None
        if cfg.mlflow.log_model:
            model_uri = log_task_model(result.model, result.model_dir)
        print(f"MLflow run id: {run.info.run_id}")
        print(f"model URI: {model_uri or '(not logged: mlflow.log_model=false)'}")
        print(f"model folder: {result.model_dir}")
    finished = mlflow.get_run(run.info.run_id)
    write_marker(output_dir, finished, skipped=False)
    if cfg.refit:
        return float("nan")
    name, score = comparable_score(finished, primary)
    if name != f"dev_{primary}":
        print(f"{name}: {score:.4f} (the score sweeps compare)")
    return score


def comparable_score(run: Run, primary: str) -> tuple[str, float]:
    """The name and value of the dev metric a run is compared by (``comparable_metric`` of its primary one)."""
    name = comparable_metric(f"dev_{primary}", run.data.metrics)
    return name, run.data.metrics[name]


def log_dev(cfg: DictConfig, data: LoadedData, result: FitResult, output_dir: Path) -> None:
    """The dev metrics and report, dev predictions (for error analysis), the threshold choice of multi-label runs,
    CASE metrics where the data has a label file, and the figures."""
    evaluation = result.evaluation
    log_report(evaluation.report, evaluation.metrics, "dev")
    module = task_module(cfg.data.task)
    predictions = output_dir / f"dev_predictions{module.PREDICTIONS_SUFFIX}"
    module.write_predictions(evaluation, predictions)
    mlflow.log_artifact(str(predictions), "reports")
    if result.untuned_metrics is not None:
        mlflow.log_metrics({f"dev_at_0.5_{k}": v for k, v in result.untuned_metrics.items()})
        mlflow.log_metrics({f"dev_thresholds.{k}": v for k, v in result.threshold_choice.items()})
        mlflow.log_dict(result.model.meta.thresholds, "reports/thresholds.json")
    if cfg.data.get("label_file"):
        log_case_metrics(list(data.splits["dev"]), evaluation.probs, result.model.meta.labels, cfg.data.label_file)
    log_figures(cfg, result)


def log_figures(cfg: DictConfig, result: FitResult) -> None:
    """Training curves, confusion matrix, per-label F1 bars and (multi-label) precision-recall curves."""
    evaluation, labels, task = result.evaluation, result.model.meta.labels, cfg.data.task
    title = f"{cfg.data.name} dev"
    log_training_curves(result.history, PRIMARY_METRIC[task])
    log_per_label_f1(evaluation.metrics, f"{title}: F1 per {'entity type' if task == 'token' else 'label'}")
    if task == "token":
        matrix, names = token.confusion(evaluation, labels)
    else:
        matrix, names = sequence.confusion(evaluation, labels, task == "multi_label")
    log_confusion_matrix(matrix, names, title)
    if task == "multi_label":
        gold = binarize([row["gold"] for row in evaluation.predictions], labels)
        log_pr_curves(evaluation.probs, gold, labels, result.model.meta.thresholds)


@hydra.main(version_base="1.3", config_path="../conf", config_name="train")
def main(cfg: DictConfig) -> float:
    return train(cfg)


if __name__ == "__main__":
    main()
