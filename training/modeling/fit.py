"""Fine-tune one classifier (a tagger optionally with a CRF): encode windows, train with the HF Trainer, choose
the best epoch on dev, choose multi-label thresholds, and save the model folder the predictor loads. Without a dev
split (a final fit on train and dev, ``refit=true``) the last epoch is kept and multi-label cuts stay at 0.5."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import mlflow
import torch
from datasets import Dataset
from omegaconf import DictConfig, OmegaConf
from transformers import PreTrainedTokenizerBase, Trainer, TrainingArguments

from inference.runtime import resolve_precision
from inference.task_model import TaskMeta, TaskModel
from inference.windows import Windows
from training.config import explicit_training_arguments
from training.data import LoadedData, label_list
from training.modeling.crf import CrfTrainer, add_transitions, crf_loss, take_transitions
from training.modeling.encoders import build_model
from training.modeling.loss import class_weights, label_counts, soft_cross_entropy, weighted_cross_entropy
from training.modeling.metrics import PRIMARY_METRIC, binarize, choose_thresholds
from training.modeling.settings import check_max_length
from training.tasks import sequence, task_module, token
from training.tracking.mlflow import MlflowMetricsCallback


@dataclass
class FitResult:
    model: TaskModel
    model_dir: Path
    evaluation: token.Evaluation | sequence.Evaluation | None  # on dev, with the saved thresholds (None: no dev)
    untuned_metrics: dict[str, float] | None  # multi-label: dev metrics at threshold 0.5
    threshold_choice: dict[str, float] | None  # multi-label: dev example F1 at 0.5 and cross-fitted, tuned or not
    history: list[dict[str, float]]  # the Trainer's log history: per-epoch losses and dev metrics


def _encode(module: ModuleType, cfg: DictConfig, examples: list[dict], tokenizer: PreTrainedTokenizerBase,
            labels: list[str]) -> tuple[Dataset, Windows]:
    task = cfg.data.task
    extra = {"word_shapes": cfg.word_shapes} if task == "token" else {"multi_label": task == "multi_label"}
    return module.encode(examples, tokenizer, labels, cfg.data.max_length, cfg.data.stride, **extra)


def training_arguments(cfg: DictConfig, checkpoints_dir: Path, metric: str | None = None,
                       evaluate: bool = True) -> TrainingArguments:
    """``cfg.trainer`` as TrainingArguments writing checkpoints to ``checkpoints_dir``, with precision and seed
    filled in, and ``metric`` (if given) as the default best-model metric; ``evaluate=False`` (no dev split) turns
    off evaluation and the choice of the best epoch."""
    args = explicit_training_arguments(OmegaConf.to_container(cfg.trainer, resolve=True))
    if not evaluate:
        args.pop("metric_for_best_model", None)
        args.update(eval_strategy="no", load_best_model_at_end=False)
    elif metric:
        args.setdefault("metric_for_best_model", metric)
    args.update(output_dir=str(checkpoints_dir), seed=cfg.seed, bf16=resolve_precision(cfg.precision))
    if not torch.cuda.is_available():
        args["use_cpu"] = True  # bf16 autocast on CPU is only enabled by the Trainer with use_cpu
    return TrainingArguments(**args)


def _loss(cfg: DictConfig, train_set: Dataset, labels: list[str], soft: bool) -> Callable | None:
    """The soft-target cross-entropy for ``soft`` targets, the weighted cross-entropy ``cfg.class_weights`` asks
    for (its weights logged), or None: the model's own loss."""
    if soft:
        if cfg.class_weights is not None:
            raise ValueError(f"class_weights={cfg.class_weights} weighs label ids; data={cfg.data.name} trains on "
                             "soft targets (scores): set class_weights=null")
        return soft_cross_entropy
    if cfg.class_weights is None:
        return None
    weights = class_weights(label_counts(train_set["labels"], len(labels)), cfg.class_weights)
    mlflow.log_dict({label: round(float(w), 4) for label, w in zip(labels, weights)}, "reports/class_weights.json")
    return weighted_cross_entropy(torch.tensor(weights, dtype=torch.float32))


def fit(cfg: DictConfig, data: LoadedData, output_dir: Path, checkpoints_dir: Path,
        resume_from: Path | None = None) -> FitResult:
    """Train on ``data.splits["train"]`` (from the epoch checkpoint ``resume_from`` on, if given), keep the best
    epoch on ``data.splits["dev"]`` (without one: the last), and save it under ``output_dir/model``; the epoch
    checkpoints go to ``checkpoints_dir``."""
    task = cfg.data.task
    module = task_module(task)
    labels = label_list(cfg.data)
    if len(labels) < 2:
        raise ValueError(f"data={cfg.data.name} has {len(labels)} label(s): a classifier needs at least two")
    model, tokenizer = build_model(cfg.model, task, labels, cfg.word_shapes, cfg.attention_dropout)
    check_max_length(cfg.data.max_length, tokenizer, model.config)
    transitions = add_transitions(model, len(labels)) if cfg.crf else None
    pool = cfg.data.pool or "max"
    examples = {split: list(split_set) for split, split_set in data.splits.items()}
    encoded = {split: _encode(module, cfg, split_examples, tokenizer, labels)
               for split, split_examples in examples.items()}
    mlflow.log_params({f"windows.{split}{stat}": value for split, (_, windows) in encoded.items()
                       for stat, value in (("", len(windows)), (".words_as_unk", windows.replaced_words))})
    train_set = encoded["train"][0]
    dev_examples = examples.get("dev")
    dev_set = compute = None
    if dev_examples is not None:
        dev_set, dev_windows = encoded["dev"]
        if task == "token":
            compute = module.trainer_metrics(dev_examples, dev_windows, labels, cfg.decoding, transitions)
        else:
            compute = module.trainer_metrics(dev_examples, dev_windows, labels, task == "multi_label", pool)
    soft = "scores" in data.splits["train"].column_names
    args = training_arguments(cfg, checkpoints_dir, PRIMARY_METRIC[task], evaluate=dev_set is not None)
    common = dict(model=model, args=args, train_dataset=train_set, eval_dataset=dev_set,
                  data_collator=module.collator(tokenizer), compute_metrics=compute,
                  callbacks=[MlflowMetricsCallback()])
    loss = _loss(cfg, train_set, labels, soft)
    if transitions is None:
        trainer = Trainer(**common, compute_loss_func=loss)
    else:  # with class weights: their weighted cross-entropy is added to the CRF's likelihood
        trainer = CrfTrainer(**common, compute_loss_func=crf_loss(transitions, loss),
                             crf_learning_rate=cfg.crf_learning_rate)
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)

    meta = TaskMeta(task=task, labels=labels, max_length=cfg.data.max_length, stride=cfg.data.stride,
                    pool=pool, dataset=cfg.data.name, word_shapes=cfg.word_shapes, decoding=cfg.decoding,
                    transitions=take_transitions(trainer.model) if cfg.crf else None)
    task_model = TaskModel(trainer.model, tokenizer, meta, cfg.precision, args.per_device_eval_batch_size)
    evaluation = untuned = choice = None
    if dev_examples is not None:
        evaluation = module.evaluate(task_model, dev_examples)
        if task == "multi_label":
            untuned = evaluation.metrics
            gold = binarize([ex["labels"] for ex in dev_examples], labels)
            meta.thresholds, choice = choose_thresholds(evaluation.probs, gold, labels)
            evaluation = module.score(dev_examples, evaluation.probs, labels, True, meta.thresholds)
    model_dir = task_model.save(output_dir / "model")
    if not cfg.keep_checkpoints:
        shutil.rmtree(checkpoints_dir, ignore_errors=True)
    return FitResult(task_model, model_dir, evaluation, untuned, choice, trainer.state.log_history)
