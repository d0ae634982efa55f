"""The quality benchmark on tiny models and a tiny dataset: runs per seed, a seed summary, the table, reuse."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import mlflow
import pytest
from hydra import compose, initialize_config_dir

from benchmarks.quality import Row, model_folder, run_benchmark, table_rows
from inference.task_model import TaskMeta, TaskModel
from training.data import read_file
from training.jobs.seed_ensemble import ensemble_evaluation
from tests.conftest import PROJECT_ROOT

CONLL = "Rebels\tB-Organisation\nattacked\tO\nAleppo\tB-Location\n.\tO\n\nJohn\tB-Person\nKerry\tI-Person\nspoke\tO\n"


def test_quality_benchmark_table_and_reuse(tmp_path, mlflow_store):
    (tmp_path / "train.txt").write_text(CONLL * 3)
    (tmp_path / "dev.txt").write_text(CONLL)
    overrides = ["datasets=[re3d]", "seeds=[1,2]", "encoder=tiny",
                 f"overrides=['trainer.max_steps=2','precision=fp32','mlflow.log_model=false',"
                 f"'data.train.path={tmp_path / 'train.txt'}','data.dev.path={tmp_path / 'dev.txt'}']"]
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        cfg = compose("quality", [*overrides, f"paths.output_dir={tmp_path / 'first'}"])
    rows = run_benchmark(cfg)
    assert [(r.dataset, r.metric, r.seeds, r.reference, r.ensemble) for r in rows] == [
        ("re3d", "dev_f1_micro", 2, 0.684, False), ("re3d", "dev_f1_macro", 2, 0.664, False),
        ("re3d", "dev_f1_micro", 2, 0.684, True), ("re3d", "dev_f1_macro", 2, 0.664, True)]
    runs = mlflow.search_runs(experiment_names=["benchmark-quality"], output_format="list")
    trained = [r for r in runs if "kind" not in r.data.tags]
    assert sorted(r.data.params["seed"] for r in trained) == ["1", "2"]
    scores = [r.data.metrics["dev_f1_micro"] for r in trained]
    assert rows[0].mean == sum(scores) / 2
    # the ensemble rows score the two seed models' mean probabilities on the dev file
    assert all(Path(r.data.tags["model_dir"]) == Path(r.data.params["paths.output_dir"]) / "model" for r in trained)
    members = [TaskModel.load(r.data.tags["model_dir"], precision="fp32") for r in trained]  # the runs' precision
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "conf"), version_base="1.3"):
        dev = read_file(compose("train", ["experiment=re3d"]).data, str(tmp_path / "dev.txt"))[0]
    assert rows[2].mean == ensemble_evaluation(members, dev).metrics["f1_micro"]
    assert rows[2].train_s == 2 * rows[0].train_s and rows[2].epoch_s == rows[0].epoch_s
    table = (tmp_path / "first" / "quality.md").read_text()
    assert f"| re3d | f1_micro | {rows[0].mean:.3f} ± {rows[0].std:.3f} | 2 |" in table and "| 0.684 |" in table
    assert f"| re3d, ensemble | f1_micro | {rows[2].mean:.3f} | 2 |" in table
    [table_run] = [r for r in runs if r.data.tags.get("kind") == "benchmark"]
    assert table_run.data.metrics["re3d.ensemble.dev_f1_micro"] == rows[2].mean
    assert table_run.data.params["ensemble"] == "True"

    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        # without a reference (e.g. re3d_seed), the row is the primary metric and the reference column is empty
        rows = run_benchmark(compose("quality", [*overrides, "~references.re3d", "ensemble=false",
                                                 f"paths.output_dir={tmp_path / 'again'}"]))
    assert [(r.dataset, r.metric, r.reference) for r in rows] == [("re3d", "dev_f1_micro", None)]
    assert "| – |" in (tmp_path / "again" / "quality.md").read_text()
    again = mlflow.search_runs(experiment_names=["benchmark-quality"], output_format="list")
    assert len([r for r in again if "kind" not in r.data.tags]) == 2  # finished runs were reused

    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        # one seed: a one-run summary and a row without std (the run of seed 1 is reused)
        rows = run_benchmark(compose("quality", [*overrides, "seeds=[1]", f"paths.output_dir={tmp_path / 'one'}"]))
    assert [(r.dataset, r.metric, r.seeds) for r in rows] == [("re3d", "dev_f1_micro", 1), ("re3d", "dev_f1_macro", 1)]
    # (one seed: no ensemble rows)
    assert f"| re3d | f1_micro | {rows[0].mean:.3f} | 1 |" in (tmp_path / "one" / "quality.md").read_text()
    assert len([r for r in again if r.data.tags.get("kind") == "seed_summary"]) == 1
    assert len([r for r in again if r.data.tags.get("kind") == "benchmark"]) == 2


def test_a_final_fit_is_refused_since_the_benchmark_scores_dev(tmp_path, mlflow_store):
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        cfg = compose("quality", ["datasets=[re3d]", "encoder=tiny", f"paths.output_dir={tmp_path}",
                                  "overrides=['refit=true']"])
    with pytest.raises(ValueError, match="refit=true trains on dev"):
        run_benchmark(cfg)
    assert not mlflow.search_runs(search_all_experiments=True, output_format="list")


def test_a_single_seed_row_shows_no_std():
    one = Row("satp", "dev_example_f1", 0.897, 0.0, 434.0, 2760.0, 1, 0.894)
    assert one.markdown() == "| satp | example_f1 | 0.897 | 1 | 434 s | 46.0 min | 0.894 |"
    three = Row("re3d", "dev_f1_micro", 0.683, 0.008, 15.0, 162.0, 3, None)
    assert three.markdown() == "| re3d | f1_micro | 0.683 ± 0.008 | 3 | 15 s | 2.7 min | – |"


SATP = ("Militants shot dead two policemen.\t1\t0\t0\t0\nAn IED exploded near a market.\t0\t1\t0\t0\n"
        "Gunmen abducted a trader and shot him.\t1\t0\t1\t0\n")


def test_multi_label_rows_table_the_held_out_score_of_the_kept_thresholds(tmp_path, mlflow_store):
    (tmp_path / "train.tsv").write_text(SATP * 3)
    (tmp_path / "dev.tsv").write_text(SATP)
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        files = f"'data.train.path={tmp_path / 'train.tsv'}','data.dev.path={tmp_path / 'dev.tsv'}'"
        quick = "'trainer.max_steps=2','precision=fp32','mlflow.log_model=false'"
        cfg = compose("quality", ["datasets=[satp]", "seeds=[1]", "encoder=tiny", f"paths.output_dir={tmp_path}",
                                  f"overrides=[{quick},{files}]"])
    [row] = run_benchmark(cfg)
    [run] = [r for r in mlflow.search_runs(experiment_names=["benchmark-quality"], output_format="list")
             if "kind" not in r.data.tags]
    evidence = run.data.metrics
    assert (row.metric, row.source, row.reference) == ("dev_example_f1", "dev_thresholds.held_out", 0.894)
    kept = "dev_thresholds.crossfit" if evidence["dev_thresholds.tuned"] else "dev_thresholds.at_0.5"
    assert row.mean == evidence["dev_thresholds.held_out"] == evidence[kept]
    table = (tmp_path / "quality.md").read_text()
    assert f"| satp | example_f1 (held out) | {row.mean:.3f} | 1 |" in table and "not the in-sample score" in table


def test_a_summary_without_a_held_out_score_falls_back_to_the_metric_itself():
    class Client:  # a seed summary logged before the held-out score existed
        def get_run(self, run_id):
            metrics = {"dev_example_f1_mean": 0.745, "dev_example_f1_std": 0.0, "n_runs": 1.0}
            return SimpleNamespace(data=SimpleNamespace(metrics=metrics, tags={"task": "multi_label"}))

    [row] = table_rows(Client(), "ipe_docs", "summary", {"dev_example_f1": 0.708})
    assert (row.mean, row.source) == (0.745, "")
    assert row.markdown().startswith("| ipe_docs | example_f1 | 0.745 | 1 |")


def test_a_runs_model_is_found_where_it_was_saved_or_the_run_is_named(tmp_path, tiny_model):
    saved = tmp_path / "resumed" / "model"  # a resumed run saves under its new folder, not its logged params'
    model, tok = tiny_model("token", ["O", "B-LOC", "I-LOC"])
    TaskModel(model, tok, TaskMeta("token", ["O", "B-LOC", "I-LOC"], max_length=8, stride=2)).save(saved)
    params = {"paths.output_dir": str(tmp_path / "first")}
    run = SimpleNamespace(info=SimpleNamespace(run_id="r1"),
                          data=SimpleNamespace(params=params, tags={"model_dir": str(saved)}))
    assert model_folder(run) == saved
    shutil.rmtree(saved)
    with pytest.raises(FileNotFoundError, match="run r1: no model in .* and no logged model"):
        model_folder(run)


def test_every_dataset_is_composed_before_any_training(tmp_path, mlflow_store, monkeypatch):
    trained = []
    monkeypatch.setattr("benchmarks.quality.train", trained.append)
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        typo = compose("quality", ["datasets=[re3d,nope]", "encoder=tiny", f"paths.output_dir={tmp_path}"])
        bad_setting = compose("quality", ["datasets=[re3d,satp]", "encoder=tiny", f"paths.output_dir={tmp_path}",
                                          "overrides=['data.pool=median']"])
    with pytest.raises(Exception, match="experiment/nope"):
        run_benchmark(typo)
    with pytest.raises(ValueError, match="data.pool must be one of"):
        run_benchmark(bad_setting)
    assert trained == []
