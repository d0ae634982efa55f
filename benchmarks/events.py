"""Event accuracy on real news: predictors' events against the team's annotations of corpus sentences and whole
articles (``resources/acled/realnews-v1``, see its DATA_CARD.md).

    python -m benchmarks.events                                   # the champion predictor
    python -m benchmarks.events model_uris=[<predictor folder or URI>,...]

What services get is scored: each predictor reads every text whole and reports its events. An output event
matches a gold event when its ACLED event type is the gold one's and the anchors overlap (``training.events
.realnews``). Reported per system: on the dev sentences, mention precision, recall and F1, F1 per event type, the
F1 of sub-event types and the share of eventless sentences left without an event; on the articles, event recall
and precision. Non-ACLED output (``non_acled_events``) is not scored. With several predictors (e.g. one per training
seed) also their mean and sample std. The table is printed, written to ``<output dir>/events.md`` and logged with
every system's output to the MLflow experiment ``benchmark-events``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import hydra
import mlflow
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from benchmarks.tables import spread
from inference.predictor import ACLED_EVENT_TYPES, Predictor
from training import config  # noqa: F401  (sets PROJECT_ROOT, used by the config's search path)
from training.events.labels import load_labels
from training.data.event_annotations import AnnotatedText, read_annotations
from training.events.realnews import article_scores, sentence_scores, typed
from training.tracking.mlflow import git_tags, setup_tracking, tracked_run


def score_predictor(predictor: Predictor, sentences: list[AnnotatedText], articles: list[AnnotatedText],
                    event_type: dict[str, str | None]) -> tuple[dict[str, float], dict[str, list]]:
    """One predictor's scores and its output events on the sentences and the articles."""
    sentence_output = predictor.predict_batch([s.text for s in sentences])
    article_output = predictor.predict_batch([a.text for a in articles])

    def events(records: list[dict], key: str) -> list[list[tuple[int, int, str]]]:
        return [[(e["start"], e["end"], e[key]) for e in record["events"]] for record in records]

    scores = {f"sent.{k}": v for k, v in sentence_scores(
        [typed(s.events, event_type.get) for s in sentences], events(sentence_output, "event_type"),
        ACLED_EVENT_TYPES).items()}
    acled = {label for label, kind in event_type.items() if kind}
    scores["sent.sub_type.f1"] = sentence_scores(
        [[e for e in s.events if e[2] in acled] for s in sentences], events(sentence_output, "sub_event_type"),
        sorted(acled))["f1"]
    scores.update({f"article.{k}": v for k, v in article_scores(
        [typed(a.events, event_type.get) for a in articles], events(article_output, "event_type")).items()})
    return scores, {"sentences": sentence_output, "articles": article_output}


COLUMNS = {"sent.precision": "P", "sent.recall": "R", "sent.f1": "F1",
           **{f"sent.{t}.f1": t.split("/")[0].split()[0] for t in ACLED_EVENT_TYPES},
           "sent.sub_type.f1": "sub-type F1", "sent.no_event_kept": "no-event kept",
           "article.precision": "article P", "article.recall": "article R", "article.f1": "article F1"}


def markdown_table(scores: dict[str, dict[str, float]]) -> str:
    """One row per system: the sentence scores, then the article scores."""
    lines = ["| system | " + " | ".join(COLUMNS.values()) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, row in scores.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[c]:.3f}" for c in COLUMNS) + " |")
    return "\n".join(lines)


def benchmark(cfg: DictConfig, output_dir: Path) -> str:
    """Score every configured predictor; returns the report (markdown), also logged to MLflow."""
    labels = load_labels(cfg.label_file)
    event_type = labels.event_types()
    sentences = read_annotations(cfg.sentences, cfg.paths.data_dir, labels.up_to_subtask(3))
    articles = read_annotations(cfg.articles, cfg.paths.data_dir, labels.up_to_subtask(3))
    setup_tracking(cfg.mlflow)  # before loading: a models:/ URI resolves in this store
    uris = list(cfg.model_uris or [])
    if not uris:
        raise ValueError("nothing to score: set model_uris")
    scores, outputs = {}, {}
    for i, uri in enumerate(uris):
        predictor = Predictor.load(uri, backend=cfg.backend, precision=cfg.precision, tasks=["events"])
        name = "predictor" if len(uris) == 1 else f"predictor-{i + 1}"
        scores[name], outputs[name] = score_predictor(predictor, sentences, articles, event_type)
    if len(uris) > 1:
        scores = {**spread(list(scores.values()), "predictor"), **scores}
    first = next(iter(scores.values()))
    report = (f"{len(sentences)} dev sentences ({first['sent.gold']:.0f} gold ACLED events, {cfg.sentences}); "
              f"{len(articles)} articles ({first['article.gold']:.0f} gold ACLED events, {cfg.articles}); "
              "type + overlapping anchor\n\n" + markdown_table(scores) + "\n")
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "events.md").write_text(report, encoding="utf-8")
    (output_dir / "outputs.json").write_text(json.dumps(
        {"sentences": [s.id for s in sentences], "articles": [a.id for a in articles], **outputs}), encoding="utf-8")
    with tracked_run(cfg.mlflow.run_name, {"kind": "benchmark", **git_tags()}):
        mlflow.log_params({"model_uris": json.dumps(uris), "backend": cfg.backend, "precision": cfg.precision,
                           "sentences": len(sentences), "articles": len(articles),
                           **{f"{name}_sha1": hashlib.sha1(Path(cfg[name]).read_bytes()).hexdigest()
                              for name in ("sentences", "articles")}})
        for name, row in scores.items():
            mlflow.log_metrics({f"{name}.{key}": value for key, value in row.items()})
        mlflow.log_artifact(str(output_dir / "events.md"))
        mlflow.log_artifact(str(output_dir / "outputs.json"))
    return report


@hydra.main(version_base="1.3", config_path="conf", config_name="events")
def main(cfg: DictConfig) -> None:
    print(benchmark(cfg, Path(HydraConfig.get().runtime.output_dir)))


if __name__ == "__main__":
    main()
