"""The article predictor services load: raw text in, entities with offsets and ACLED-typed events out.

A predictor folder holds ``predictor.json`` and two model folders: the entity tagger and the event model. The
event model is either an event-anchor tagger, which finds every event of a sentence by its own words and tags it
with its ACLED sub-event type or non-ACLED label, or an event typer (a single-label classifier, a zero-shot
similarity typer, or a weighted ensemble of them) over those labels and a no-event label, which types each sentence
and its clauses. Either model may be a seed ensemble (``inference.ensemble``). A service
that needs only one of the two tasks loads only its model (``tasks``) and gets only its fields.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from inference.anchors import anchors
from inference.ensemble import Ensemble
from inference.model_loading import load_task_model
from inference.model_source import download_if_uri
from inference.names import name_bounds
from inference.sentences import split_clauses, split_sentences
from inference.similarity_typer import SimilarityTyper
from inference.task_model import TaskModel
from inference.text_checks import surrogate_problem

PREDICTOR_FILE = "predictor.json"
# what each predictor task takes: the model tasks it accepts, and how to name them
MODEL_KINDS = {"entities": (("token",), "a token model (an entity tagger)"),
               "events": (("single_label", "similarity", "ensemble", "token"),
                          "a single-label, similarity or ensemble event typer, or an event-anchor tagger")}
PREDICTOR_SCHEMA_VERSION = 1  # of predictor.json (a model folder's is task_model.MODEL_SCHEMA_VERSION)
Span = tuple[int, int, int]  # (text index, start, end)
SETTLED_MARGIN = 1e-6  # rounding allowance when deciding that later ensemble members cannot change a span's best label
# what each predictor task fills: task -> its output fields
PREDICTOR_TASKS = {"entities": ("entities",), "events": ("events", "non_acled_events")}
ACLED_EVENT_TYPES = ("Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
                     "Strategic developments")


@dataclass
class PredictorConfig:
    """``predictor.json``: where the two models are and how events are decided."""

    event_types: dict[str, str | None]  # event label -> ACLED event type (None: not an ACLED event)
    no_event_label: str = "NO_EVENT"
    event_threshold: float = 0.5  # the least score of a reported event (typer: summed type probability; anchor
    #                               tagger: the anchor words' mean tag probability)
    entities_dir: str = "entities"
    events_dir: str = "events"
    schema_version: int = PREDICTOR_SCHEMA_VERSION
    versions: dict[str, str] = field(default_factory=dict)  # provenance: model URIs, label-file version

    def __post_init__(self) -> None:
        unknown = {t for t in self.event_types.values() if t is not None} - set(ACLED_EVENT_TYPES)
        if unknown:
            raise ValueError(f"{PREDICTOR_FILE}: unknown ACLED event types {sorted(unknown)}")
        if self.schema_version > PREDICTOR_SCHEMA_VERSION:
            raise ValueError(f"{PREDICTOR_FILE}: schema_version {self.schema_version} is newer than this code")
        if not 0 < self.event_threshold <= 1:
            raise ValueError(f"{PREDICTOR_FILE}: event_threshold must be in (0, 1], not {self.event_threshold}")


def event_groups(labels: list[str], event_types: dict[str, str | None], no_event_label: str) -> dict[str, list[int]]:
    """ACLED event type (or, for a non-ACLED label, the label itself) -> indices of its typer labels."""
    groups: dict[str, list[int]] = {}
    for k, label in enumerate(labels):
        if label != no_event_label:
            groups.setdefault(event_types.get(label) or label, []).append(k)
    return groups


def no_event_index(labels: list[str], no_event_label: str) -> int | None:
    """Index of the no-event label among the typer labels (None when the typer has none)."""
    return labels.index(no_event_label) if no_event_label in labels else None


def check_tasks(tasks: str | Sequence[str] | None) -> tuple[str, ...]:
    """The requested tasks in output order (a string may name several, comma-separated); an unknown task, or
    none, is refused."""
    names = [t.strip() for t in tasks.split(",")] if isinstance(tasks, str) else list(tasks or [])
    unknown = [t for t in names if t not in PREDICTOR_TASKS]
    if unknown or not names:
        raise ValueError(f"tasks: expected one or more of {list(PREDICTOR_TASKS)}, got {names}")
    return tuple(t for t in PREDICTOR_TASKS if t in names)


def predictor_folder(uri_or_dir: str | Path) -> Path:
    """The local folder holding ``predictor.json`` (an MLflow model URI is downloaded first)."""
    found = sorted(download_if_uri(uri_or_dir).rglob(PREDICTOR_FILE))
    if len(found) != 1:
        raise FileNotFoundError(f"{uri_or_dir}: expected one {PREDICTOR_FILE}, found {len(found)}")
    return found[0].parent


def named(text: str, entity: dict, offset: int) -> dict:
    """An entity of the sentence at ``offset`` of ``text``, placed in the text and trimmed to the name it holds
    (``inference.names.name_bounds``; a tagger's span always keeps a visible word, so a name is left)."""
    start, end = name_bounds(text, entity["start"] + offset, entity["end"] + offset) or (
        entity["start"] + offset, entity["end"] + offset)
    return {**entity, "start": start, "end": end, "text": text[start:end]}


def event_labels(model: TaskModel | SimilarityTyper | Ensemble) -> list[str]:
    """The event labels a model decides: a typer's labels, or the span types of an anchor tagger's tags."""
    if model.meta.task != "token":
        return list(model.meta.labels)
    return list(dict.fromkeys(tag[2:] for tag in model.meta.labels if tag != "O"))


def label_problem(model: TaskModel | SimilarityTyper | Ensemble, config: PredictorConfig) -> str | None:
    """Which labels of the event model ``config.event_types`` does not type, or None."""
    missing = set(event_labels(model)) - set(config.event_types) - {config.no_event_label}
    return f"event model labels {sorted(missing)} have no event type" if missing else None


def kind_problem(task: str, model: TaskModel | SimilarityTyper | Ensemble) -> str | None:
    """Why ``model`` cannot serve the predictor task ``task`` (``entities`` or ``events``), or None."""
    accepted, wanted = MODEL_KINDS[task]
    return None if model.meta.task in accepted else f"the {task} need {wanted}, not a model with task={model.meta.task}"


class Predictor:
    """``Predictor.load(uri_or_dir).predict(text)`` → ``{"entities": [...], "events": [...], ...}``."""

    def __init__(self, entities: TaskModel | Ensemble | None, events: TaskModel | SimilarityTyper | Ensemble | None,
                 config: PredictorConfig) -> None:
        """Either model may be None (its task is then not run; ``tasks`` says which are), but not both."""
        if entities is None and events is None:
            raise ValueError("a predictor needs an entity model, an event typer or both")
        for task, model in (("entities", entities), ("events", events)):
            if model is not None and (problem := kind_problem(task, model)):
                raise ValueError(f"a predictor: {problem}")
        if events is not None:
            if problem := label_problem(events, config):
                raise ValueError(f"{PREDICTOR_FILE}: {problem}")
            labels = event_labels(events)
            self._groups = event_groups(labels, config.event_types, config.no_event_label)
            # an anchor tagger's labels -> their group (event type, or the non-ACLED label), as the typer groups them
            self._anchor_groups = {labels[k]: group for group, members in self._groups.items() for k in members}
            self._no_event = no_event_index(labels, config.no_event_label)
        self.entities, self.events, self.config = entities, events, config
        self.tasks = tuple(task for task, model in zip(PREDICTOR_TASKS, (entities, events)) if model is not None)
        self.fields = [name for task in self.tasks for name in PREDICTOR_TASKS[task]]  # the keys of each text's output

    @classmethod
    def load(cls, uri_or_dir: str | Path, precision: str = "auto", batch_size: int = 32,
             backend: str = "torch", tasks: str | Sequence[str] = tuple(PREDICTOR_TASKS)) -> "Predictor":
        """Load from a local predictor folder or an MLflow model URI (``models:/name@alias``, ``runs:/...``).

        ``precision`` (``auto``/``bf16``/``fp32``) applies to the torch backend; ``backend`` runs the models
        with ``torch``, ``onnx`` or ``onnx-int8`` (ONNX Runtime, see ``inference.onnx_runtime``). ``tasks``
        (``entities``, ``events`` or both, the default) says which models are loaded and run.
        """
        tasks = check_tasks(tasks)
        folder = predictor_folder(uri_or_dir)
        config = PredictorConfig(**json.loads((folder / PREDICTOR_FILE).read_text(encoding="utf-8")))
        models = {task: load_task_model(folder / subdir, precision, batch_size, backend) if task in tasks else None
                  for task, subdir in zip(PREDICTOR_TASKS, (config.entities_dir, config.events_dir))}
        return cls(models["entities"], models["events"], config)

    def save(self, folder: str | Path) -> Path:
        if self.entities is None or self.events is None:
            raise ValueError(f"a predictor loaded with tasks={list(self.tasks)} cannot be saved: a predictor "
                             "folder holds both models")
        folder = Path(folder)
        self.entities.save(folder / self.config.entities_dir)
        self.events.save(folder / self.config.events_dir)
        (folder / PREDICTOR_FILE).write_text(json.dumps(asdict(self.config), indent=2), encoding="utf-8")
        return folder

    def predict(self, text: str) -> dict:
        """Entities and events of one article."""
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: list[str]) -> list[dict]:
        """Entities and events of each text (the fields of the loaded tasks); sentences of all texts are batched
        together."""
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"text {i}: expected a string, got {type(text).__name__}")
            if problem := surrogate_problem(text):
                raise ValueError(f"text {i}: {problem}")
        sentences = [(i, s, e) for i, text in enumerate(texts) for s, e in split_sentences(text)]
        out = [{name: [] for name in self.fields} for _ in texts]
        if self.entities is not None:
            found = self.entities.entities([texts[i][s:e] for i, s, e in sentences])
            for (i, s, _e), entities in zip(sentences, found):
                out[i]["entities"].extend(named(texts[i], ent, s) for ent in entities)
        if self.events is not None:
            self._add_events(texts, sentences, out)
        return out

    def _add_events(self, texts: list[str], sentences: list[Span], out: list[dict]) -> None:
        """Add each text's events to its record: the anchors an anchor tagger finds in each sentence, or the
        types a typer gives each sentence and its clauses (in one batch)."""
        if self.events.meta.task == "token":
            self._add_anchored_events(texts, sentences, out)
        else:
            self._add_typed_events(texts, sentences, out)
        for record in out:
            record["events"].sort(key=lambda ev: (ev["start"], ev["end"], ev["event_type"]))

    def _add_typed_events(self, texts: list[str], sentences: list[Span], out: list[dict]) -> None:
        """Type every sentence and its clauses in one batch (``_events``)."""
        clauses = [(i, s, e, split_clauses(texts[i], s, e)) for i, s, e in sentences]
        spans = [(i, a, b) for i, s, e, parts in clauses for a, b in ([(s, e)] + (parts if len(parts) > 1 else []))]
        probs = self._event_probs([texts[i][a:b] for i, a, b in spans]) if spans else []
        scores = dict(zip(spans, probs))
        for i, s, e, parts in clauses:
            events, others = self._events(texts[i], (i, s, e), [(i, a, b) for a, b in parts] if len(parts) > 1
                                          else [], scores)
            out[i]["events"].extend(events)
            out[i]["non_acled_events"].extend(others)

    def event_anchors(self, texts: list[str]) -> list[list[dict]]:
        """An anchor tagger's anchors in each text before the threshold (``inference.anchors``): ``start``,
        ``end``, ``group`` (the event type, or the non-ACLED label), ``label`` (the sub-type) and ``score``."""
        return anchors(self.events, texts, self._anchor_groups)

    def _add_anchored_events(self, texts: list[str], sentences: list[Span], out: list[dict]) -> None:
        """One event per anchor in each sentence whose score reaches the threshold."""
        found = self.event_anchors([texts[i][s:e] for i, s, e in sentences])
        for (i, s, _e), sentence_anchors in zip(sentences, found):
            for anchor in sentence_anchors:
                if anchor["score"] < self.config.event_threshold:
                    continue
                start, end = anchor["start"] + s, anchor["end"] + s
                record = {"start": start, "end": end, "anchor": texts[i][start:end], "score": anchor["score"]}
                if anchor["group"] in ACLED_EVENT_TYPES:
                    out[i]["events"].append({**record, "event_type": anchor["group"],
                                             "sub_event_type": anchor["label"]})
                else:
                    out[i]["non_acled_events"].append({**record, "label": anchor["label"]})

    def _event_probs(self, texts: list[str]) -> np.ndarray:
        """The typer's probabilities per span. An ensemble typer skips its lighter members on a span whose best
        label is already sure to be the no-event label: such a span reports nothing whatever they say, and its row
        keeps the partial sum (in which the no-event label is still the best), so the decisions are those of the
        full mean."""
        if not isinstance(self.events, Ensemble) or self._no_event is None:
            return self.events.text_probs(texts)
        return self.events.text_probs_until(texts, self._no_event_settled)

    def _no_event_settled(self, partial: np.ndarray, rest: float) -> np.ndarray:
        """Rows whose no-event label leads every other label by more than ``rest``, the most the members still to
        run can add to one label (with a margin for rounding)."""
        others = np.delete(partial, self._no_event, axis=1).max(axis=1)
        return partial[:, self._no_event] - others > rest + SETTLED_MARGIN

    def _events(self, text: str, sentence: Span, clauses: list[Span],
                scores: dict[Span, np.ndarray]) -> tuple[list[dict], list[dict]]:
        """One record per event type (or non-ACLED label) the sentence reports.

        A span (the sentence or one of its clauses) whose best label is the no-event label reports nothing. A
        type is reported when its summed sub-type probability reaches the threshold on some span; it is anchored
        on the best such clause, or on the sentence when no clause reaches the threshold.
        """
        labels = self.events.meta.labels
        spans = [span for span in [sentence, *clauses] if int(scores[span].argmax()) != self._no_event]
        events, others = [], []
        for kind, members in self._groups.items():
            passing = [(float(scores[span][members].sum()), span) for span in spans]
            passing = [(score, span) for score, span in passing if score >= self.config.event_threshold]
            if not passing:
                continue
            score, span = max([p for p in passing if p[1] != sentence] or passing, key=lambda p: p[0])
            _, start, end = span
            sub = labels[members[int(np.argmax(scores[span][members]))]]
            record = {"start": start, "end": end, "anchor": text[start:end], "score": round(score, 4)}
            if kind in ACLED_EVENT_TYPES:
                events.append({**record, "event_type": kind, "sub_event_type": sub})
            else:
                others.append({**record, "label": sub})
        return events, others
