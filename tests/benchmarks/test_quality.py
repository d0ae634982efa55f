"""The quality benchmark on tiny models and a tiny dataset: runs per seed, a seed summary, the table, reuse."""

from __future__ import annotations

import mlflow
from hydra import compose, initialize_config_dir

from benchmarks.quality import Row, run_benchmark
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
    assert [(r.dataset, r.metric, r.seeds, r.reference) for r in rows] == [
        ("re3d", "dev_f1_micro", 2, 0.684), ("re3d", "dev_f1_macro", 2, 0.664)]
    runs = mlflow.search_runs(experiment_names=["benchmark-quality"], output_format="list")
    trained = [r for r in runs if "kind" not in r.data.tags]
    assert sorted(r.data.params["seed"] for r in trained) == ["1", "2"]
    scores = [r.data.metrics["dev_f1_micro"] for r in trained]
    assert rows[0].mean == sum(scores) / 2
    table = (tmp_path / "first" / "quality.md").read_text()
    assert f"| re3d | f1_micro | {rows[0].mean:.3f} ± {rows[0].std:.3f} | 2 |" in table and "| 0.684 |" in table

    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        # without a reference (e.g. re3d_seed), the row is the primary metric and the reference column is empty
        rows = run_benchmark(compose("quality", [*overrides, "~references.re3d",
                                                 f"paths.output_dir={tmp_path / 'again'}"]))
    assert [(r.dataset, r.metric, r.reference) for r in rows] == [("re3d", "dev_f1_micro", None)]
    assert "| – |" in (tmp_path / "again" / "quality.md").read_text()
    again = mlflow.search_runs(experiment_names=["benchmark-quality"], output_format="list")
    assert len([r for r in again if "kind" not in r.data.tags]) == 2  # finished runs were reused

    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        # one seed: a one-run summary and a row without std (the run of seed 1 is reused)
        rows = run_benchmark(compose("quality", [*overrides, "seeds=[1]", f"paths.output_dir={tmp_path / 'one'}"]))
    assert [(r.dataset, r.metric, r.seeds) for r in rows] == [("re3d", "dev_f1_micro", 1), ("re3d", "dev_f1_macro", 1)]
    assert f"| re3d | f1_micro | {rows[0].mean:.3f} | 1 |" in (tmp_path / "one" / "quality.md").read_text()
    assert len([r for r in again if r.data.tags.get("kind") == "seed_summary"]) == 1
    assert len([r for r in again if r.data.tags.get("kind") == "benchmark"]) == 2


def test_a_single_seed_row_shows_no_std():
    one = Row("satp", "dev_example_f1", 0.897, 0.0, 434.0, 2760.0, 1, 0.894)
    assert one.markdown() == "| satp | example_f1 | 0.897 | 1 | 434 s | 46.0 min | 0.894 |"
    three = Row("re3d", "dev_f1_micro", 0.683, 0.008, 15.0, 162.0, 3, None)
    assert three.markdown() == "| re3d | f1_micro | 0.683 ± 0.008 | 3 | 15 s | 2.7 min | – |"
