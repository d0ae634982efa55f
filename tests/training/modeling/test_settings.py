"""Settings that would fail late or train nothing are refused up front, naming the setting."""

import pytest
from hydra import compose, initialize_config_dir
from transformers import AutoConfig

from tests.conftest import CONF_DIR
from training import config  # noqa: F401  (registers trainer/hf_defaults)
from training.modeling.settings import check_max_length, check_settings


def compose_train(overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("train", ["experiment=re3d", *overrides])


@pytest.mark.parametrize("overrides, message", [
    (["trainer.num_train_epochs=0"], r"trainer.num_train_epochs must be above 0 .* not 0"),
    (["trainer.num_train_epochs=-1"], r"trainer.num_train_epochs must be above 0"),
    (["trainer.learning_rate=abc"], r"trainer.learning_rate must be a number, not 'abc'$"),
    (["trainer.learning_rate='1e-4'"], r"not '1e-4' \(YAML reads 1e-4 as a string: write 1.0e-4\)"),
    (["data.stride=-5"], r"data.stride must be a whole number of tokens, 0 or more, not -5"),
    (["data.max_length=16", "data.stride=32"], r"data.max_length \(16\) must exceed data.stride \(32\)"),
    (["data.pool=median"], r"data.pool must be one of \('max', 'mean'\) \(or null\), not 'median'"),
])
def test_bad_settings_are_refused_by_name(overrides, message):
    with pytest.raises(ValueError, match=message):
        check_settings(compose_train(overrides))


def test_every_experiment_and_a_step_budget_pass():
    check_settings(compose_train(["trainer.num_train_epochs=0", "trainer.max_steps=2"]))  # steps, not epochs
    for experiment in sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml")):
        check_settings(compose_train([f"experiment={experiment}"]))


def test_windows_longer_than_the_encoder_are_refused(tokenizer):
    bert = AutoConfig.for_model("bert", max_position_embeddings=512)
    check_max_length(512, tokenizer, bert)
    with pytest.raises(ValueError, match=r"data.max_length=1024 exceeds the encoder's 512 positions"):
        check_max_length(1024, tokenizer, bert)
    mpnet_like = AutoConfig.for_model("bert", max_position_embeddings=514)  # 514 positions, 512 tokens
    with pytest.raises(ValueError, match="exceeds the encoder's 512 positions"):
        check_max_length(513, tokenizer, mpnet_like)
    longer = AutoConfig.for_model("bert", max_position_embeddings=1024)  # the tokenizer's 512 is not the limit
    check_max_length(1024, tokenizer, longer)
    with pytest.raises(ValueError, match="exceeds the encoder's 1024 positions"):
        check_max_length(1025, tokenizer, longer)
