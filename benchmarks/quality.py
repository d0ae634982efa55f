"""Quality benchmark: every dataset's experiment config over several seeds, against ConfliBERT's scores.

    python -m benchmarks.quality                                   # 6 datasets x 3 seeds, MiniLM
    python -m benchmarks.quality datasets=[re3d,cameo_class] seeds=[1,2] overrides='["trainer.learning_rate=2e-4"]'

Each run is a normal ``training.train`` run (``experiment=<dataset> seed=<s>``) logged to the experiment
``benchmark-quality``; a configuration that already finished there at the same commit is reused, not retrained,
and an interrupted one continues from its last epoch checkpoint.
Each dataset's runs get a seed summary run (mean and std). The table (dataset, metric, dev mean ± std over seeds,
time per epoch, total training time, reference) is printed, written to ``<output dir>/quality.md`` and logged
as ``quality.md`` with its numbers in a ``benchmark`` run of the same experiment. Multi-label rows hold the kept
thresholds' held-out dev score, not the in-sample score of tuned cuts. With two or more seeds (and ``ensemble``),
each dataset also gets rows for the ensemble of its seed models (``training.jobs.seed_ensemble``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import hydra
import mlflow
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig, OmegaConf

from training import config  # noqa: F401  (registers the Hydra schema and PROJECT_ROOT)
from inference.model_source import local_model_dir
from inference.task_model import META_FILE, TaskModel
from training.data import load_splits
from training.jobs.seed_ensemble import ensemble_evaluation
from training.modeling.metrics import comparable_metric
from training.modeling.settings import check_settings
from training.tracking.mlflow import PROJECT_ROOT, git_tags, setup_tracking, tracked_run, tracking_uri
from training.tracking.run_table import primary_metric
from training.tracking.seed_summary import summarize_sweep
from training.train import train


@dataclass
class Row:
    dataset: str
    metric: str  # the metric compared with the reference
    mean: float
    std: float
    epoch_s: float
    train_s: float
    seeds: int
    reference: float | None
    source: str = ""  # the logged metric the numbers come from, when not ``metric`` itself
    ensemble: bool = False  # one score of the seed models' mean probabilities, not a mean over seeds

    def markdown(self) -> str:
        reference = f"{self.reference:.3f}" if self.reference is not None else "–"
        spread = f" ± {self.std:.3f}" if self.seeds > 1 and not self.ensemble else ""  # one run has no std (not 0)
        name = self.metric.removeprefix("dev_") + (" (held out)" if self.source else "")
        dataset = f"{self.dataset}, ensemble" if self.ensemble else self.dataset
        return (f"| {dataset} | {name} | {self.mean:.3f}{spread} | "
                f"{self.seeds} | {self.epoch_s:.0f} s | {self.train_s / 60:.1f} min | {reference} |")

    @property
    def key(self) -> str:
        """The name of its numbers in the table run."""
        return f"{self.dataset}{'.ensemble' if self.ensemble else ''}.{self.source or self.metric}"


HEADER = ("| dataset | metric | dev mean ± std | seeds | time per epoch | training time per run | "
          "reference (test) |\n|---|---|---|---|---|---|---|")


def run_configs(cfg: DictConfig, output_dir: Path, uri: str) -> dict[str, list[DictConfig]]:
    """The training config of every dataset and seed, composed and checked before any run starts, so that a
    misspelled dataset or a bad override fails at once rather than after the datasets before it have trained."""
    GlobalHydra.instance().clear()  # composing inside a running Hydra app needs a fresh instance
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "conf"), version_base="1.3"):
        configs = {dataset: [compose("train", [f"experiment={dataset}", f"model={cfg.encoder}", f"seed={seed}",
                                               f"mlflow.experiment_name={cfg.experiment_name}",
                                               f"mlflow.tracking_uri={uri}",
                                               f"paths.output_dir={output_dir / dataset / f'seed{seed}'}",
                                               *cfg.overrides]) for seed in cfg.seeds]
                   for dataset in cfg.datasets}
    for run_cfg in (run_cfg for runs in configs.values() for run_cfg in runs):
        if run_cfg.refit:
            raise ValueError("benchmarks.quality scores dev: refit=true trains on dev; leave it out of overrides")
        check_settings(run_cfg)
    return configs


def train_seeds(dataset: str, run_cfgs: list[DictConfig], output_dir: Path) -> str:
    """Train (or reuse) one run per seed; return the id of the dataset's seed summary run."""
    for run_cfg in run_cfgs:
        train(run_cfg)
    summaries = summarize_sweep(output_dir / dataset, min_runs=1)  # seeds=[1] gives a one-run summary
    if len(summaries) != 1:
        raise RuntimeError(f"{dataset}: expected one seed summary, got {len(summaries)} (did a run fail?)")
    return summaries[0]


def _source(name: str, logged: set[str]) -> str:
    """The held-out counterpart of ``name`` (``training.modeling.metrics.HELD_OUT``) when it was logged, else ``""``."""
    source = comparable_metric(name, logged)
    return source if source != name else ""


def table_rows(client: MlflowClient, dataset: str, summary_id: str, references: dict[str, float]) -> list[Row]:
    """One row per reference metric of the dataset (its primary metric when it has no reference), from its
    held-out counterpart where the runs logged one (``training.modeling.metrics.HELD_OUT``)."""
    summary = client.get_run(summary_id)
    metrics = summary.data.metrics
    names = list(references) or [primary_metric(summary.data.tags["task"])]
    rows = []
    for name in names:
        source = _source(name, {key.removesuffix("_mean") for key in metrics})
        rows.append(Row(dataset, name, metrics[f"{source or name}_mean"], metrics[f"{source or name}_std"],
                        metrics.get("epoch_time_mean_s_mean", float("nan")),
                        metrics.get("train_runtime_s_mean", float("nan")),
                        int(metrics["n_runs"]), references.get(name), source))
    return rows


def model_folder(run: Run) -> Path:
    """The folder of a training run's model: the ``model_dir`` it tagged (runs from before that tag:
    ``<paths.output_dir>/model``) while it exists, else its logged model (``model_uri``)."""
    folders = [run.data.tags.get("model_dir")]
    if "paths.output_dir" in run.data.params:
        folders.append(str(Path(run.data.params["paths.output_dir"]) / "model"))
    folders = [folder for folder in folders if folder]
    for folder in folders:
        if (Path(folder) / META_FILE).is_file():
            return Path(folder)
    if "model_uri" in run.data.tags:
        return local_model_dir(run.data.tags["model_uri"])
    raise FileNotFoundError(f"run {run.info.run_id}: no model in {folders or 'no recorded folder'} and no logged "
                            "model (model_uri tag)")


def ensemble_rows(client: MlflowClient, seed_rows: list[Row], summary_id: str, run_cfg: DictConfig) -> list[Row]:
    """The rows of ``seed_rows`` scored once more for the mean probabilities of the seed runs' models on dev
    (no training; nothing when there is one seed), at the runs' precision. The training time is that of every
    member; the time per epoch stays that of one."""
    runs = [client.get_run(run_id) for run_id in client.get_run(summary_id).data.tags["child_runs"].split(",")]
    if len(runs) < 2:
        return []
    models = [TaskModel.load(model_folder(run), precision=run_cfg.precision) for run in runs]
    evaluation = ensemble_evaluation(models, list(load_splits(run_cfg.data).splits["dev"]))
    metrics = {f"dev_{name}": value for name, value in evaluation.metrics.items()}
    rows = []
    for row in seed_rows:
        source = _source(row.metric, set(metrics))
        rows.append(Row(row.dataset, row.metric, metrics[source or row.metric], 0.0, row.epoch_s,
                        row.train_s * len(runs), len(runs), row.reference, source, ensemble=True))
    return rows


def run_benchmark(cfg: DictConfig) -> list[Row]:
    output_dir = Path(cfg.paths.output_dir)
    tracking = OmegaConf.create({"tracking_uri": tracking_uri(cfg.tracking_uri),
                                 "experiment_name": cfg.experiment_name})
    client = MlflowClient(tracking.tracking_uri)
    rows = []
    for dataset, run_cfgs in run_configs(cfg, output_dir, tracking.tracking_uri).items():
        summary_id = train_seeds(dataset, run_cfgs, output_dir)
        found = cfg.references.get(dataset)  # None for a dataset without a reference score
        references = OmegaConf.to_container(found) if found is not None else {}
        seed_rows = table_rows(client, dataset, summary_id, references)
        rows.extend(seed_rows)
        if cfg.ensemble:
            rows.extend(ensemble_rows(client, seed_rows, summary_id, run_cfgs[-1]))
    table = "\n".join([HEADER, *(row.markdown() for row in rows)])
    setting = f"encoder={cfg.encoder}, seeds={list(cfg.seeds)}" + (f", overrides={list(cfg.overrides)}"
                                                               if cfg.overrides else "")
    note = ("" if not any(row.source for row in rows) else
            "\n(held out): example F1 at 0.5 when 0.5 is kept; when tuned cuts are kept, their cross-fitted score "
            "(cuts tuned on the other dev folds), not the in-sample score of cuts tuned on all of dev.\n")
    note += ("" if not any(row.ensemble for row in rows) else
             "\n<dataset>, ensemble: one score of the mean probabilities of the seed runs' models (training time: "
             "all of them; time per epoch: one of them).\n")
    text = f"Dev scores, {setting}; reference: ConfliBERT on the test split.\n\n{table}\n{note}"
    (output_dir / "quality.md").write_text(text, encoding="utf-8")
    setup_tracking(tracking)
    with tracked_run("quality table", {"kind": "benchmark", **git_tags()}):
        mlflow.log_params({"encoder": cfg.encoder, "seeds": ",".join(map(str, cfg.seeds)), "ensemble": cfg.ensemble,
                           "datasets": ",".join(cfg.datasets), "overrides": " ".join(cfg.overrides) or "-"})
        mlflow.log_metrics({f"{row.key}_mean": row.mean for row in rows if not row.ensemble}
                           | {f"{row.key}_std": row.std for row in rows if not row.ensemble}
                           | {row.key: row.mean for row in rows if row.ensemble})
        mlflow.log_text(text, "quality.md")
    print(text)
    return rows


@hydra.main(version_base="1.3", config_path="conf", config_name="quality")
def main(cfg: DictConfig) -> None:
    run_benchmark(cfg)


if __name__ == "__main__":
    main()
