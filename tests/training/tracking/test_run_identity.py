"""Run identity: the same configuration on the same data is the same run, wherever its files are."""

import os
import socket
import subprocess
import sys

import mlflow
import pytest
from hydra import compose, initialize_config_dir

from tests.conftest import CONF_DIR
from training import config  # noqa: F401  (registers trainer/hf_defaults)
from training.tracking.run_identity import CHECKPOINTS_TAG, PROCESS_TAG, identity_tags, interrupted_run, process_tag


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
    mpnet = _tags(["model=mpnet", "model.cache_dir=/home/a/.cache"])
    assert _tags(["model=mpnet", "model.cache_dir=/home/b/.cache"]) == mpnet != base  # the same pip parts


def test_config_hash_covers_a_local_encoders_files_not_their_folder(tmp_path):
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    (encoder / "config.json").write_text("{}")
    (encoder / "model.safetensors").write_bytes(b"weights 1")
    base = _tags(["model=local", f"model.path={encoder}"])
    assert base["config_hash"] != _tags([])["config_hash"]
    moved = tmp_path / "moved"
    encoder.rename(moved)
    assert _tags(["model=local", f"model.path={moved}"]) == base
    (moved / "model.safetensors").write_bytes(b"weights 2")  # pretrained again into the same folder
    retrained = _tags(["model=local", f"model.path={moved}"])
    assert retrained["config_hash"] != base["config_hash"] and retrained["seed_group"] != base["seed_group"]
    with pytest.raises(FileNotFoundError, match="model.path=.*missing: no such encoder folder"):
        _tags(["model=local", f"model.path={tmp_path / 'missing'}"])


def test_config_hash_of_a_dataset_without_a_dev_file():
    # cameo_class carves its dev split from train: data.dev is null
    assert _tags(["data=cameo_class"]) == _tags(["data=cameo_class", "data.train.path=/elsewhere/train.tsv"])


def _checkpoint(folder, step: int, files=("optimizer.pt", "trainer_state.json")):
    path = folder / f"checkpoint-{step}"
    path.mkdir(parents=True)
    for name in files:
        (path / name).write_text("{}")
    return path


def test_an_interrupted_run_is_resumable_from_its_last_complete_checkpoint(tmp_path, mlflow_store):
    experiment_id = mlflow.set_experiment("resume").experiment_id
    identity = {"config_hash": "h", "git_commit": "c"}
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_process = f"{socket.gethostname()}:{dead.stdout.strip()}:123"

    def run(status: str, process: str, name: str):
        folder = tmp_path / name
        with mlflow.start_run(tags={**identity, CHECKPOINTS_TAG: str(folder), PROCESS_TAG: process}) as active:
            pass
        mlflow.MlflowClient().set_terminated(active.info.run_id, status)
        return folder, active.info.run_id

    assert interrupted_run(experiment_id, "h", "c") is None
    killed, killed_id = run("KILLED", dead_process, "killed")
    _checkpoint(killed, 4)
    good = _checkpoint(killed, 8)
    _checkpoint(killed, 12, files=("optimizer.pt",))  # killed while saving: no trainer state
    (_checkpoint(killed, 16) / "trainer_state.json").write_text('{"global_step": 1')  # cut short
    found = interrupted_run(experiment_id, "h", "c")
    assert found.run.info.run_id == killed_id and found.checkpoint == good
    assert interrupted_run(experiment_id, "other hash", "c") is None
    assert interrupted_run(experiment_id, "h", "x") is None

    live, _ = run("RUNNING", process_tag(), "live")  # this very process: still training, not resumable
    _checkpoint(live, 4)
    assert interrupted_run(experiment_id, "h", "c").run.info.run_id == killed_id
    gone, gone_id = run("RUNNING", dead_process, "gone")  # its process no longer exists
    _checkpoint(gone, 2)
    assert interrupted_run(experiment_id, "h", "c").run.info.run_id == gone_id
    reused, reused_id = run("RUNNING", f"{socket.gethostname()}:{os.getpid()}:1", "reused")  # pid reused since
    _checkpoint(reused, 2)
    assert interrupted_run(experiment_id, "h", "c").run.info.run_id == reused_id
    weights_only, weights_only_id = run("FAILED", dead_process, "weights_only")  # save_only_model: no optimizer
    _checkpoint(weights_only, 6, files=("trainer_state.json",))
    assert interrupted_run(experiment_id, "h", "c").run.info.run_id == reused_id

    elsewhere, elsewhere_id = run("RUNNING", "another-host:1:1", "elsewhere")  # cannot be known: named only
    _checkpoint(elsewhere, 2)
    assert interrupted_run(experiment_id, "h", "c").run.info.run_id == reused_id
    assert interrupted_run(experiment_id, "h", "c", run_id=elsewhere_id).run.info.run_id == elsewhere_id
    with pytest.raises(ValueError, match="no complete checkpoint"):
        interrupted_run(experiment_id, "h", "c", run_id=weights_only_id)
    with pytest.raises(ValueError, match="only an unfinished run of it"):
        interrupted_run(experiment_id, "other hash", "c", run_id=killed_id)
