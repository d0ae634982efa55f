"""Group the runs of a multirun that differ only in their seed, and log mean and std of their metrics.

Every training job writes ``mlflow_run.json`` (its run, or the finished run it skipped to) in its output folder.
At the end of a multirun, :class:`SeedSummaryCallback` reads those files under the sweep folder; each group of two
or more FINISHED runs with the same ``seed_group`` tag gets a summary run (tag ``kind=seed_summary``) that holds
the params the runs share, ``<metric>_mean`` and ``<metric>_std`` (sample std) of their final metrics, and becomes
their parent run in the MLflow UI.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from hydra.experimental.callback import Callback
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

MARKER = "mlflow_run.json"
SUMMARY_KIND = "seed_summary"
SUMMARY_PREFIXES = ("dev_", "test_")
SUMMARY_METRICS = ("epoch_time_mean_s", "train_runtime_s")
COPIED_TAGS = ("dataset", "task", "encoder", "approach", "seed_group", "git_commit")


def write_marker(output_dir: Path, run: Run, skipped: bool) -> None:
    """Record which MLflow run a job produced (or skipped to)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    record = {"run_id": run.info.run_id, "experiment_id": run.info.experiment_id,
              "seed_group": run.data.tags.get("seed_group", ""), "tracking_uri": mlflow.get_tracking_uri(),
              "skipped": skipped}
    (output_dir / MARKER).write_text(json.dumps(record), encoding="utf-8")


def summarized_metrics(runs: list[Run]) -> dict[str, float]:
    """``<name>_mean`` and ``<name>_std`` of each final metric every run has."""
    names = set.intersection(*(set(run.data.metrics) for run in runs))
    names = sorted(n for n in names if n.startswith(SUMMARY_PREFIXES) or n in SUMMARY_METRICS)
    out = {}
    for name in names:
        values = np.array([run.data.metrics[name] for run in runs], dtype=float)
        out[f"{name}_mean"] = float(values.mean())
        out[f"{name}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return out


def shared_params(runs: list[Run]) -> dict[str, str]:
    """The params whose value is the same in every run (so not the seed or output folders)."""
    first = runs[0].data.params
    return {k: v for k, v in first.items() if all(run.data.params.get(k) == v for run in runs[1:])}


def summarize(client: MlflowClient, run_ids: Iterable[str], min_runs: int = 2) -> str | None:
    """Log (or find, when these exact runs were summarized before) the summary run of one seed group;
    returns its id, or None when fewer than ``min_runs`` of the runs FINISHED."""
    runs = [client.get_run(run_id) for run_id in sorted(set(run_ids))]
    runs = [run for run in runs if run.info.status == "FINISHED"]
    if len(runs) < min_runs:
        return None
    children = ",".join(run.info.run_id for run in runs)
    tags = {k: runs[0].data.tags[k] for k in COPIED_TAGS if k in runs[0].data.tags}
    experiment_id = runs[0].info.experiment_id
    existing = client.search_runs([experiment_id], f"tags.kind = '{SUMMARY_KIND}' and "
                                  f"tags.seed_group = '{tags.get('seed_group', '')}'")
    for summary in existing:
        if summary.data.tags.get("child_runs") == children:
            return summary.info.run_id
    seeds = sorted(run.data.params.get("seed", "?") for run in runs)
    name = f"{tags.get('dataset', 'runs')} x {len(runs)} seeds"
    summary = client.create_run(experiment_id, run_name=name,
                                tags={**tags, "kind": SUMMARY_KIND, "child_runs": children})
    summary_id = summary.info.run_id
    try:
        params = {**shared_params(runs), "seeds": ",".join(seeds)}
        metrics = {**summarized_metrics(runs), "n_runs": float(len(runs))}
        client.log_batch(summary_id, params=[mlflow.entities.Param(k, v) for k, v in params.items()],
                         metrics=[mlflow.entities.Metric(k, v, 0, 0) for k, v in metrics.items()])
        for run in runs:
            client.set_tag(run.info.run_id, "mlflow.parentRunId", summary_id)
    except BaseException:
        client.set_terminated(summary_id, "FAILED")
        raise
    client.set_terminated(summary_id, "FINISHED")
    return summary_id


def summarize_sweep(sweep_dir: Path, min_runs: int = 2) -> list[str]:
    """Summarize every seed group (of at least ``min_runs`` finished runs) among the jobs under ``sweep_dir``;
    returns the summary run ids."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for marker in sorted(sweep_dir.rglob(MARKER)):
        record: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
        groups[record["tracking_uri"], record["seed_group"]].append(record["run_id"])
    out = []
    for (uri, _), run_ids in groups.items():
        summary_id = summarize(MlflowClient(tracking_uri=uri), run_ids, min_runs)
        if summary_id:
            out.append(summary_id)
    return out


class SeedSummaryCallback(Callback):
    """Hydra callback: summarize the seed groups of a multirun when it ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        for summary_id in summarize_sweep(Path(config.hydra.sweep.dir)):
            print(f"seed summary run: {summary_id}")
