"""Every data and experiment config composes, and TrainingArguments fields are all overridable."""

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from tests.conftest import CONF_DIR
from training.config import explicit_training_arguments
from training.modeling.fit import training_arguments

DATASETS = sorted(p.stem for p in (CONF_DIR / "data").glob("*.yaml"))
EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))
MODELS = sorted(p.stem for p in (CONF_DIR / "model").glob("*.yaml"))


def _compose(overrides):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("train", overrides)


@pytest.mark.parametrize("data", DATASETS)
def test_data_configs_resolve(data):
    cfg = _compose([f"data={data}", "paths.output_dir=/tmp/x"])
    resolved = OmegaConf.to_container(cfg.data, resolve=True)
    assert resolved["name"] == data and resolved["task"] in {"token", "single_label", "multi_label"}


@pytest.mark.parametrize("model", MODELS)
def test_model_configs_resolve(model):
    cfg = _compose([f"model={model}", "paths.output_dir=/tmp/x"])
    resolved = OmegaConf.to_container(cfg.model, resolve=True)
    assert resolved["name"] and resolved["source"] in {"minilm_package", "mpnet_parts", "path", "tiny"}


def test_mpnet_is_cached_under_xdg_cache_home_or_home(monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert _compose(["model=mpnet"]).model.cache_dir == "~/.cache/conflict-news"
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache")
    assert _compose(["model=mpnet"]).model.cache_dir == "/var/cache/conflict-news"


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiments_select_their_dataset(experiment):
    cfg = _compose([f"experiment={experiment}", "paths.output_dir=/tmp/x"])
    assert cfg.data.name == experiment


def test_any_training_argument_is_overridable(tmp_path):
    cfg = _compose(["trainer.max_steps=3", "trainer.adam_beta2=0.98", "trainer.gradient_accumulation_steps=2",
                    f"paths.output_dir={tmp_path}", "precision=fp32"])
    args = training_arguments(cfg, tmp_path, "f1_micro")
    assert (args.max_steps, args.adam_beta2, args.gradient_accumulation_steps) == (3, 0.98, 2)
    assert args.metric_for_best_model == "f1_micro" and args.seed == cfg.seed and not args.bf16
    assert "adam_beta1" not in explicit_training_arguments(OmegaConf.to_container(cfg.trainer))


def test_acled_labels_are_read_once_per_config(monkeypatch):
    from training.events import labels as label_module

    reads = []
    real = label_module.load_labels
    monkeypatch.setattr(label_module, "load_labels", lambda path: reads.append(path) or real(path))
    for _ in range(2):  # a new config reads the file again
        data = _compose(["data=acled_snippets", "paths.output_dir=/tmp/x"]).data
        names = [list(data.labels) for _ in range(50)]
        assert names[0] == names[-1] and "NO_EVENT" in names[0]
    assert len(reads) == 2
