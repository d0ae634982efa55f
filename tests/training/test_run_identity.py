"""Run identity: the same configuration on the same data is the same run, wherever its files are."""

from hydra import compose, initialize_config_dir

from tests.conftest import CONF_DIR
from training import config  # noqa: F401  (registers trainer/hf_defaults)
from training.run_identity import identity_tags


def _tags(overrides: list[str], digest: str = "d1") -> dict[str, str]:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return identity_tags(compose("train", ["data=re3d", "paths.output_dir=/tmp/a", *overrides]), digest)


def test_config_hash_ignores_file_locations_but_not_content_settings_or_seed():
    base = _tags([])
    moved = _tags(["data.train.path=/elsewhere/train.txt", "data.dev.path=/elsewhere/dev.txt",
                   "paths.output_dir=/tmp/x", "mlflow.run_name=other"])
    assert moved == base
    assert _tags([], digest="d2")["config_hash"] != base["config_hash"]  # other data read
    assert _tags(["trainer.learning_rate=3e-4"])["seed_group"] != base["seed_group"]
    reseeded = _tags(["seed=7"])
    assert reseeded["config_hash"] != base["config_hash"] and reseeded["seed_group"] == base["seed_group"]


def test_config_hash_of_a_dataset_without_a_dev_file():
    # cameo_class carves its dev split from train: data.dev is null
    assert _tags(["data=cameo_class"]) == _tags(["data=cameo_class", "data.train.path=/elsewhere/train.tsv"])
