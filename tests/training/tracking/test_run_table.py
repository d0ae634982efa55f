"""Run tables compare multi-label runs by their held-out score, not by cuts tuned on the dev set they score."""

from __future__ import annotations

import mlflow

from training.modeling.metrics import comparable_metric
from training.tracking.run_table import runs_table


def test_comparable_metric_is_the_held_out_score_where_logged():
    assert comparable_metric("dev_example_f1", ["dev_example_f1", "dev_thresholds.held_out"]) == \
        "dev_thresholds.held_out"
    assert comparable_metric("dev_example_f1", ["dev_example_f1"]) == "dev_example_f1"  # runs from before it
    assert comparable_metric("dev_f1_micro", ["dev_f1_micro", "dev_thresholds.held_out"]) == "dev_f1_micro"


def test_runs_table_ranks_multi_label_runs_and_summaries_by_held_out_scores(mlflow_store):
    mlflow.set_experiment("satp")
    runs = {"tuned": {"dev_example_f1": 0.95, "dev_thresholds.held_out": 0.80},  # in-sample cuts look best
            "at_half": {"dev_example_f1": 0.85, "dev_thresholds.held_out": 0.85},
            "old": {"dev_example_f1": 0.82},
            "summary": {"dev_example_f1_mean": 0.90, "dev_example_f1_std": 0.01,
                        "dev_thresholds.held_out_mean": 0.83, "dev_thresholds.held_out_std": 0.02}}
    for name, metrics in runs.items():
        tags = {"task": "multi_label", **({"kind": "seed_summary"} if name == "summary" else {})}
        with mlflow.start_run(run_name=name, tags=tags):
            mlflow.log_metrics(metrics)
    table = runs_table(["satp"])
    assert list(table.run_name) == ["at_half", "summary", "old", "tuned"]
    assert list(table.score) == [0.85, 0.83, 0.82, 0.80]
    assert list(table.metric) == ["dev_thresholds.held_out"] * 2 + ["dev_example_f1", "dev_thresholds.held_out"]
    assert table.score_std[1] == 0.02
