"""Domain-adaptive continued pretraining (masked LM) of the encoder on the unlabelled text of the train splits.

    python -m training.jobs.pretrain [model=minilm] [trainer.num_train_epochs=1]
    python -m training.train experiment=re3d model=dapt        # fine-tune the adapted encoder

Texts come from the train split of each dataset under ``corpora`` (labels are ignored); their dev splits are the
held-out text on which the masked-LM loss is measured before and after. Texts are joined with ``[SEP]`` and cut
into blocks of ``max_length`` tokens; the last, shorter block is kept. The MLM head scores the masked positions
only (``MaskedPositionsTrainer``). The encoder (with its MLM head) and tokenizer are saved to ``save_dir``; the run
logs the corpus sizes and the dev loss and perplexity.
"""

from __future__ import annotations

import math
from pathlib import Path

import hydra
import mlflow
import torch
import torch.nn.functional as F
from datasets import Dataset
from omegaconf import DictConfig, open_dict
from transformers import DataCollatorForLanguageModeling, PreTrainedModel, PreTrainedTokenizerBase, Trainer, set_seed

from training import config  # noqa: F401  (registers the Hydra schema)
from training.data import load_splits
from training.modeling.encoders import build_model
from training.modeling.fit import training_arguments
from training.tracking.mlflow import MlflowMetricsCallback, git_tags, log_config, setup_tracking, tracked_run


def example_text(example: dict) -> str:
    """The raw text of a text example, or the space-joined words of a token example."""
    return example["text"] if "text" in example else " ".join(example["tokens"])


def blocks(texts: list[str], tokenizer: PreTrainedTokenizerBase, max_length: int) -> list[list[int]]:
    """``[CLS] ... [SEP]`` blocks of at most ``max_length`` tokens over the texts joined with ``[SEP]``."""
    stream: list[int] = []
    for ids in tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]:
        stream.extend([*ids, tokenizer.sep_token_id])
    size = max_length - 2
    return [[tokenizer.cls_token_id, *stream[i:i + size], tokenizer.sep_token_id]
            for i in range(0, len(stream), size)]


MLM_HEADS = ("cls", "lm_head")  # the masked-LM head's attribute: BERT-like models, MPNet/RoBERTa-like models


def masked_lm_loss(model: PreTrainedModel, inputs: dict[str, torch.Tensor],
                   num_items: torch.Tensor | int | None = None) -> torch.Tensor:
    """The model's masked-LM cross-entropy with its head applied to the masked positions (``labels`` not -100)
    only: ``model(**inputs).loss`` without scoring the whole vocabulary at every position. Averaged over the
    masked positions, or summed and divided by ``num_items`` (the Trainer's count under gradient accumulation)."""
    head = next((getattr(model, name) for name in MLM_HEADS if hasattr(model, name)), None)
    if head is None:
        raise TypeError(f"{type(model).__name__} has no masked-LM head (looked for {', '.join(MLM_HEADS)})")
    labels = inputs["labels"]
    hidden = model.base_model(**{k: v for k, v in inputs.items() if k != "labels"}).last_hidden_state
    masked = labels != -100
    logits = head(hidden[masked]).float()
    if num_items is None:
        return F.cross_entropy(logits, labels[masked])
    return F.cross_entropy(logits, labels[masked], reduction="sum") / num_items


class MaskedPositionsTrainer(Trainer):
    """A Trainer whose loss is ``masked_lm_loss``: about 15% of the positions reach the vocabulary-sized head."""

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss = masked_lm_loss(model, inputs, num_items_in_batch)
        return (loss, {"loss": loss}) if return_outputs else loss


LABEL_EXTRAS = ("sentences",)  # source keys that only add labels (ipe_docs: the labels of each document's sentences)


def texts_only(data_cfg: DictConfig) -> DictConfig:
    """A copy of ``data_cfg`` whose sources leave out ``LABEL_EXTRAS``: pretraining reads texts, not labels."""
    out = data_cfg.copy()
    with open_dict(out):
        for split in ("train", "dev"):
            if out[split] is not None:
                for key in LABEL_EXTRAS:
                    out[split].pop(key, None)
    return out


def corpus_texts(cfg: DictConfig) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Train and dev texts of every corpus, and the number of texts per ``<corpus>.<split>``."""
    texts: dict[str, list[str]] = {"train": [], "dev": []}
    counts = {}
    for name, data_cfg in cfg.corpora.items():
        splits = load_splits(texts_only(data_cfg)).splits
        for split in ("train", "dev"):
            found = [example_text(ex) for ex in splits[split]]
            texts[split].extend(found)
            counts[f"{name}.{split}"] = len(found)
    return texts, counts


def pretrain(cfg: DictConfig) -> Path:
    """Continue pretraining, save the adapted encoder to ``cfg.save_dir`` and return that folder."""
    set_seed(cfg.seed)
    texts, counts = corpus_texts(cfg)
    model, tokenizer = build_model(cfg.model, "masked_lm")
    train_blocks, dev_blocks = (blocks(texts[split], tokenizer, cfg.max_length) for split in ("train", "dev"))
    setup_tracking(cfg.mlflow)
    run_name = cfg.mlflow.run_name or f"pretrain-{cfg.model.name}-seed{cfg.seed}"
    with tracked_run(run_name, {"encoder": cfg.model.name, "approach": "pretrain", **git_tags()}):
        log_config(cfg)
        mlflow.log_params({**{f"texts.{k}": v for k, v in counts.items()},
                           "blocks.train": len(train_blocks), "blocks.dev": len(dev_blocks),
                           "tokens.train": sum(map(len, train_blocks))})
        args = training_arguments(cfg, Path(cfg.paths.output_dir) / "checkpoints")
        args.prediction_loss_only = True  # evaluation needs the loss only
        trainer = MaskedPositionsTrainer(
            model=model, args=args, train_dataset=Dataset.from_dict({"input_ids": train_blocks}),
            eval_dataset=Dataset.from_dict({"input_ids": dev_blocks}),
            data_collator=DataCollatorForLanguageModeling(tokenizer, mlm_probability=cfg.mlm_probability,
                                                          seed=cfg.seed),
            callbacks=[MlflowMetricsCallback()])
        before = trainer.evaluate()["eval_loss"]
        trainer.train()
        after = trainer.evaluate()["eval_loss"]
        mlflow.log_metrics({"dev_mlm_loss_before": before, "dev_mlm_loss": after,
                            "dev_perplexity_before": math.exp(before), "dev_perplexity": math.exp(after)})
        save_dir = Path(cfg.save_dir)
        trainer.model.save_pretrained(save_dir, safe_serialization=True)
        tokenizer.save_pretrained(save_dir)
        mlflow.set_tag("model_path", str(save_dir))
    print(f"dev perplexity: {math.exp(before):.2f} -> {math.exp(after):.2f}\nadapted encoder: {save_dir}\n"
          f"fine-tune on it: python -m training.train experiment=<dataset> model=local model.path={save_dir}")
    return save_dir


@hydra.main(version_base="1.3", config_path="../../conf", config_name="pretrain")
def main(cfg: DictConfig) -> None:
    pretrain(cfg)


if __name__ == "__main__":
    main()
