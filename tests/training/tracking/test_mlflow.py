import os
import signal

import mlflow
import pytest
from omegaconf import OmegaConf

from training.tracking.mlflow import flatten, setup_tracking, tracked_run, tracking_uri


def _status(run_id):
    return mlflow.get_run(run_id).info.status


@pytest.mark.parametrize("error, status", [(RuntimeError("boom"), "FAILED"), (KeyboardInterrupt(), "KILLED")])
def test_runs_end_failed_or_killed(mlflow_store, error, status):
    setup_tracking(OmegaConf.create({"tracking_uri": None, "experiment_name": "lifecycle"}))
    with pytest.raises(type(error)):
        with tracked_run("r", {}) as run:
            raise error
    assert _status(run.info.run_id) == status


def test_sigterm_ends_the_run_killed(mlflow_store):
    setup_tracking(OmegaConf.create({"tracking_uri": None, "experiment_name": "lifecycle"}))
    with pytest.raises(KeyboardInterrupt):
        with tracked_run("r", {}) as run:
            os.kill(os.getpid(), signal.SIGTERM)
    assert _status(run.info.run_id) == "KILLED"


def test_artifacts_stay_beside_the_sqlite_store_whatever_the_working_directory(mlflow_store, tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    setup_tracking(OmegaConf.create({"tracking_uri": f"sqlite:///{store / 'mlflow.db'}",
                                     "experiment_name": "bench mark/quality"}))
    with tracked_run("r", {}) as run:
        mlflow.log_dict({"a": 1}, "reports/a.json")
    location = mlflow.get_experiment(run.info.experiment_id).artifact_location
    assert location == str(store / "mlruns" / "bench_mark_quality")
    assert (store / "mlruns" / "bench_mark_quality" / run.info.run_id / "artifacts" / "reports" / "a.json").is_file()
    assert not (elsewhere / "mlruns").exists()
    # an existing experiment keeps its own location
    setup_tracking(OmegaConf.create({"tracking_uri": f"sqlite:///{store / 'mlflow.db'}",
                                     "experiment_name": "bench mark/quality"}))
    assert mlflow.get_experiment_by_name("bench mark/quality").experiment_id == run.info.experiment_id


def test_tracking_uri_precedence(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking_uri(None) == f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///elsewhere.db")
    assert tracking_uri(None) == "sqlite:///elsewhere.db"
    assert tracking_uri("sqlite:///configured.db") == "sqlite:///configured.db"


def test_flatten():
    assert flatten({"a": {"b": 1, "c": [1, 2]}, "d": {}}) == {"a.b": 1, "a.c": [1, 2], "d": {}}
