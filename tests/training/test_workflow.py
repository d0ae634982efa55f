"""The experiment workflow as users run it: a parallel multirun over seeds and learning rates (joblib launcher),
seed summaries, skipping finished configurations, the comparison notebook, and promotion to a registry alias."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow
import nbformat
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient
from nbclient import NotebookClient
from omegaconf import OmegaConf

from tests.conftest import CONF_DIR, PROJECT_ROOT
from training.jobs.promote import promote
from training.train import train

CONLL = "Rebels\tB-Organisation\nattacked\tO\nAleppo\tB-Location\n.\tO\n\nJohn\tB-Person\nKerry\tI-Person\nspoke\tO\n"
TINY_JOB = ["data=re3d", "model=tiny", "trainer.max_steps=2", "trainer.num_train_epochs=1",
            "trainer.per_device_train_batch_size=4", "precision=fp32"]


def _data_overrides(folder: Path) -> list[str]:
    (folder / "train.txt").write_text(CONLL * 3)
    (folder / "dev.txt").write_text(CONLL)
    return [f"data.train.path={folder / 'train.txt'}", f"data.dev.path={folder / 'dev.txt'}"]


def _multirun(store: Path, sweep_dir: Path, *overrides: str, parallel: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{store}"}
    launcher = ["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=4"] if parallel else []
    command = [sys.executable, "-m", "training.train", *launcher, f"hydra.sweep.dir={sweep_dir}", *TINY_JOB,
               *overrides]
    done = subprocess.run(command, cwd=sweep_dir.parent, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def sweep_store(tmp_path_factory):
    """A fresh store filled by a parallel sweep of 4 tiny jobs: 2 learning rates x 2 seeds."""
    root = tmp_path_factory.mktemp("sweep")
    store = root / "mlflow.db"
    grid = ["seed=1,2", "trainer.learning_rate=1e-4,3e-4", *_data_overrides(root)]
    first = _multirun(store, root / "multirun1", *grid)
    return store, grid, first


def _runs(store: Path, query: str = "") -> list:
    client = MlflowClient(tracking_uri=f"sqlite:///{store}")
    experiment = client.get_experiment_by_name("re3d")
    return client.search_runs([experiment.experiment_id], query)


def _jobs(store: Path) -> list:
    return [run for run in _runs(store) if run.data.tags.get("kind") != "seed_summary"]


def test_parallel_sweep_records_every_job_and_summarizes_seed_groups(sweep_store):
    store, _, done = sweep_store
    jobs = _jobs(store)
    assert len(jobs) == 4
    assert all(run.info.status == "FINISHED" for run in jobs)
    assert {(run.data.params["seed"], run.data.params["trainer.learning_rate"]) for run in jobs} == {
        ("1", "0.0001"), ("2", "0.0001"), ("1", "0.0003"), ("2", "0.0003")}

    summaries = _runs(store, "tags.kind = 'seed_summary'")
    assert len(summaries) == 2  # one per learning rate
    for summary in summaries:
        children = [run for run in jobs if run.data.tags["mlflow.parentRunId"] == summary.info.run_id]
        assert len(children) == 2
        assert {run.data.tags["seed_group"] for run in children} == {summary.data.tags["seed_group"]}
        scores = [run.data.metrics["dev_f1_micro"] for run in children]
        assert summary.data.metrics["dev_f1_micro_mean"] == pytest.approx(sum(scores) / 2)
        assert summary.data.metrics["dev_f1_micro_std"] == pytest.approx(abs(scores[0] - scores[1]) / 2 ** 0.5)
        assert summary.data.metrics["n_runs"] == 2
        assert summary.data.params["seeds"] == "1,2"
        assert summary.data.params["trainer.learning_rate"] == children[0].data.params["trainer.learning_rate"]
        assert "seed" not in summary.data.params
    assert done.stdout.count("seed summary run:") == 2


def test_identical_sweep_is_skipped_and_reuses_its_summaries(sweep_store, tmp_path):
    store, grid, _ = sweep_store
    before = {run.info.run_id for run in _runs(store)}
    again = _multirun(store, tmp_path / "multirun2", *grid)
    assert again.stdout.count("skipped: this configuration already finished") == 4
    assert {run.info.run_id for run in _runs(store)} == before


def test_optuna_search_returns_the_dev_metric_of_each_trial(tmp_path):
    store = tmp_path / "mlflow.db"
    _multirun(store, tmp_path / "optuna", "hparams_search=optuna", "hydra.sweeper.n_trials=2",
              "mlflow.log_model=false", *_data_overrides(tmp_path), parallel=False)
    trials = _runs(store)
    assert len(trials) == 2 and all(run.info.status == "FINISHED" for run in trials)
    assert len({run.data.params["trainer.learning_rate"] for run in trials}) == 2
    results = OmegaConf.load(tmp_path / "optuna" / "optimization_results.yaml")
    assert results.best_value == pytest.approx(max(run.data.metrics["dev_f1_micro"] for run in trials))
    # epochs and batch size are fixed on the command line (TINY_JOB), so only these two are searched
    assert set(results.best_params) == {"trainer.learning_rate", "trainer.warmup_steps"}


def test_force_trains_an_identical_configuration_again(tmp_path, mlflow_store):
    overrides = [*TINY_JOB, *_data_overrides(tmp_path), f"paths.output_dir={tmp_path / 'out'}",
                 "mlflow.log_model=false"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        first = train(compose("train", overrides))
        assert train(compose("train", overrides)) == pytest.approx(first)
        assert len(mlflow.search_runs(experiment_names=["re3d"])) == 1
        train(compose("train", [*overrides, "force=true"]))
        assert len(mlflow.search_runs(experiment_names=["re3d"])) == 2
        train(compose("train", [*overrides, "seed=7"]))  # a different configuration is never skipped
    runs = mlflow.search_runs(experiment_names=["re3d"], output_format="list")
    assert len(runs) == 3 and all(run.info.status == "FINISHED" for run in runs)
    assert len({run.data.tags["config_hash"] for run in runs}) == 2
    assert len({run.data.tags["seed_group"] for run in runs}) == 1
    names = {run.info.run_name for run in runs}
    assert len(names) == 2 and {name.rsplit("-", 1)[0] for name in names} == {"re3d-tiny-seed42", "re3d-tiny-seed7"}


def test_training_logs_the_figures(sweep_store):
    store, _, _ = sweep_store
    client = MlflowClient(tracking_uri=f"sqlite:///{store}")
    run = _jobs(store)[0]
    figures = {a.path for a in client.list_artifacts(run.info.run_id, "figures")}
    assert figures == {"figures/training_curves.png", "figures/per_label_f1.png", "figures/confusion_matrix.png"}


def test_compare_runs_notebook_runs_top_to_bottom(sweep_store, monkeypatch):
    store, _, _ = sweep_store
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}")
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    notebook = nbformat.read(PROJECT_ROOT / "notebooks" / "compare_runs.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(PROJECT_ROOT / "notebooks")}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "re3d: 4 finished runs, compared by dev_f1_micro" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 4  # metric vs lr, per label, curves, matrix


def test_promote_registers_the_best_run_and_moves_the_alias(sweep_store, monkeypatch, tmp_path):
    store, _, _ = sweep_store
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}")
    monkeypatch.chdir(tmp_path)
    client = MlflowClient(tracking_uri=f"sqlite:///{store}")
    jobs = _jobs(store)
    for value, run in zip([0.4, 0.9, 0.1, 0.6], jobs):  # distinct scores (the tiny models all score about 0)
        client.log_metric(run.info.run_id, "dev_judged", value)
    best, worst = jobs[1].info.run_id, jobs[2].info.run_id
    with initialize_config_dir(config_dir=str(CONF_DIR / "promote"), version_base="1.3"):
        done = promote(compose("promote", ["experiment=re3d", "metric=dev_judged"]))
        assert (done.run_id, done.score, done.alias_uri) == (best, 0.9, "models:/re3d@champion")
        assert promote(compose("promote", ["experiment=re3d", "metric=dev_judged"])).version == done.version
        low = promote(compose("promote", ["experiment=re3d", "metric=dev_judged", "mode=min", "alias=challenger"]))
        assert low.run_id == worst and low.version != done.version
        with pytest.raises(KeyError, match="dev_f1_micro"):
            promote(compose("promote", ["experiment=re3d", "metric=f1_micro"]))
        with pytest.raises(LookupError, match="no MLflow experiment"):
            promote(compose("promote", ["experiment=nope", "metric=dev_judged"]))
    assert client.get_model_version_by_alias("re3d", "champion").version == done.version
    assert client.get_model_version_by_alias("re3d", "challenger").version == low.version
    loaded = mlflow.pyfunc.load_model("models:/re3d@champion")
    assert loaded.metadata.run_id == best
    assert len(loaded.predict(pd.DataFrame({"text": ["Rebels attacked Aleppo."]}))) == 1
