"""Checks of a training run's settings that would otherwise fail late (after an epoch or at prediction time) or
train the wrong thing, each naming the setting."""

from __future__ import annotations

from omegaconf import DictConfig
from transformers import PretrainedConfig, PreTrainedTokenizerBase

from inference.windows import POOLS


def check_settings(cfg: DictConfig) -> None:
    """Refuse trainer and window settings that cannot train what they say, before any data is read."""
    trainer = cfg.trainer
    for key in ("learning_rate", "num_train_epochs"):
        value = trainer.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = " (YAML reads 1e-4 as a string: write 1.0e-4)" if isinstance(value, str) and _numeric(value) else ""
            raise ValueError(f"trainer.{key} must be a number, not {value!r}{hint}")
    max_steps = trainer.get("max_steps")
    if trainer.num_train_epochs <= 0 and not (isinstance(max_steps, int) and max_steps > 0):
        raise ValueError(f"trainer.num_train_epochs must be above 0 (or trainer.max_steps set), not "
                         f"{trainer.num_train_epochs}: the run would save an untrained model")
    data = cfg.data
    for key in ("max_length", "stride"):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"data.{key} must be a whole number of tokens, 0 or more, not {value!r}")
    if data.max_length <= data.stride:
        raise ValueError(f"data.max_length ({data.max_length}) must exceed data.stride ({data.stride}): windows "
                         "overlap by the stride")
    if data.get("pool") not in (None, *POOLS):
        raise ValueError(f"data.pool must be one of {POOLS} (or null), not {data.pool!r}")


def check_max_length(max_length: int, tokenizer: PreTrainedTokenizerBase, config: PretrainedConfig) -> None:
    """Refuse windows longer than the encoder has positions for: ``max_position_embeddings``, less the one or two
    that models such as MPNet and RoBERTa reserve (their tokenizer's ``model_max_length`` says so)."""
    positions = getattr(config, "max_position_embeddings", None)
    if not isinstance(positions, int):
        return
    tokens = tokenizer.model_max_length
    limit = tokens if isinstance(tokens, int) and 0 < positions - tokens <= 2 else positions
    if max_length > limit:
        raise ValueError(f"data.max_length={max_length} exceeds the encoder's {limit} positions")


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
