"""Compare event-typing approaches: mean ± std over seeds of the dev metrics of every finished run.

    python -m training.events.compare [--experiments acled_snippets acled_weak] [--output comparison.md]

Groups runs by experiment, approach, encoder, learning rate, epochs, ensemble weights, training examples and
seed group (the ``seed_group`` tag: the same config and training data, any seed), so runs trained on other data
or with other settings are never averaged together; prints a markdown table and logs it to the
``acled-typer-comparison`` MLflow experiment.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import mlflow
import pandas as pd

from omegaconf import OmegaConf

from training.tracking.mlflow import git_tags, setup_tracking, tracked_run

METRICS = {"dev_case_subtask1.f1_weighted": "S1 wF1", "dev_case_subtask2.f1_weighted": "S2 wF1",
           "dev_case_subtask3.f1_weighted": "S3 wF1", "dev_case_event_type.accuracy": "event-type acc",
           "dev_f1_macro": "macro F1 (31 labels)"}
GROUP = {"experiment": "experiment", "tags.approach": "approach", "tags.encoder": "encoder",
         "params.trainer.learning_rate": "lr", "params.trainer.num_train_epochs": "epochs",
         "params.weights": "ensemble weights", "params.data_stats.train.examples": "train examples",
         "tags.seed_group": "seed group"}


def comparison_table(experiments: list[str]) -> pd.DataFrame:
    """One row per configuration: runs, then ``mean ± std`` of each metric."""
    frames = []
    for name in experiments:
        runs = mlflow.search_runs(experiment_names=[name], filter_string="attributes.status = 'FINISHED'")
        if len(runs):
            frames.append(runs.assign(experiment=name))
    if not frames:
        raise LookupError(f"no finished runs in {experiments}")
    runs = pd.concat(frames, ignore_index=True)
    for column in GROUP:
        if column not in runs:
            runs[column] = "-"
    runs[list(GROUP)] = runs[list(GROUP)].fillna("-")
    rows = []
    for key, group in runs.groupby(list(GROUP)):
        row = dict(zip(GROUP.values(), key)) | {"runs": len(group)}
        for metric, label in METRICS.items():
            values = group.get(f"metrics.{metric}", pd.Series(dtype=float)).dropna()
            row[label] = (f"{values.mean():.3f} ± {values.std(ddof=0):.3f}" if len(values) else "-")
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """A GitHub markdown table of a DataFrame."""
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.events.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiments", nargs="+", default=["acled_snippets", "acled_weak"])
    parser.add_argument("--output", type=Path, default=Path("outputs") / "acled_typer_comparison.md")
    args = parser.parse_args(argv)
    setup_tracking(OmegaConf.create({"tracking_uri": None, "experiment_name": "acled-typer-comparison"}))
    table = markdown(comparison_table(args.experiments))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table + "\n", encoding="utf-8")
    with tracked_run("comparison", {"kind": "comparison", **git_tags()}):
        mlflow.log_text(table, "comparison.md")
    print(table)


if __name__ == "__main__":
    main()
