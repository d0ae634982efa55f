"""A fine-tuned token or text classifier in a plain Hugging Face folder, plus its ``conflict_news.json``."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from transformers import (AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer,
                          PreTrainedModel, PreTrainedTokenizerBase)

from inference.names import visible_bounds
from inference.onnx_runtime import runner
from inference.runtime import forward_windows, load_pretrained, resolve_precision
from inference.spans import DECODINGS, bio_spans, cut_spans, decode_tags, paragraph_starts, split_words
from inference.windows import Windows, merge_word_logits, pool_text_logits, text_windows, word_windows
from inference.word_shapes import N_SHAPES

META_FILE = "conflict_news.json"
# the newest this code reads: 2 adds word_shapes, 3 seed ensembles (ensemble), 4 decoding other than viterbi,
# 5 a CRF's transitions; a folder is written with the oldest version that holds what it uses, so older code
# still reads the rest
MODEL_SCHEMA_VERSION = 5
MODEL_TASKS = ("token", "single_label", "multi_label", "similarity", "ensemble")


@dataclass
class TaskMeta:
    """What the predictor needs besides the weights: the task, labels, windows and thresholds."""

    task: str
    labels: list[str]
    max_length: int
    stride: int
    pool: str = "max"
    thresholds: dict[str, float] = field(default_factory=dict)
    dataset: str = ""
    word_shapes: bool = False  # token tasks: word shapes go in as token types (inference.word_shapes)
    ensemble: bool = False  # a seed ensemble: member folders listed in ensemble.json (inference.ensemble)
    decoding: str = "viterbi"  # token tasks: how word probabilities become tags (inference.spans.DECODINGS)
    # token tasks trained with a CRF: its learned tag-to-tag scores ([a][b]: tag b after tag a), used by Viterbi
    transitions: list[list[float]] | None = None
    schema_version: int = 1

    def __post_init__(self) -> None:
        if self.task not in MODEL_TASKS:
            raise ValueError(f"{META_FILE}: task must be one of {MODEL_TASKS}, not {self.task!r}")
        _check_version(self.schema_version)
        if self.word_shapes and self.task != "token":
            raise ValueError(f"{META_FILE}: word_shapes applies to token models only, not to a {self.task} model")
        if self.word_shapes and self.ensemble:
            raise ValueError(f"{META_FILE}: a seed ensemble has no word_shapes of its own (its members may)")
        if self.decoding not in DECODINGS:
            raise ValueError(f"{META_FILE}: decoding must be one of {DECODINGS}, not {self.decoding!r}")
        if self.transitions is not None:
            if self.task != "token":
                raise ValueError(f"{META_FILE}: transitions apply to token models only, not to a {self.task} model")
            n = len(self.labels)
            if np.shape(self.transitions) != (n, n):
                raise ValueError(f"{META_FILE}: transitions must be {n} x {n} (one score per pair of labels), "
                                 f"not {np.shape(self.transitions)}")


def _check_version(version: int) -> None:
    if version > MODEL_SCHEMA_VERSION:
        raise ValueError(f"{META_FILE}: schema_version {version} is newer than this code ({MODEL_SCHEMA_VERSION}); "
                         "upgrade the package")


def read_meta(path: str | Path) -> TaskMeta:
    """The ``conflict_news.json`` of a model folder."""
    meta_path = Path(path) / META_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(f"{path} is not a conflict-news model folder: {META_FILE} is missing")
    fields = json.loads(meta_path.read_text(encoding="utf-8"))
    _check_version(fields.get("schema_version", 1))  # before fields a newer version may have added
    return TaskMeta(**fields)


def write_meta(path: str | Path, meta: TaskMeta) -> None:
    """Write ``meta`` as the model folder's ``conflict_news.json``: schema 5 for a CRF's transitions, 4 for a
    decoding other than viterbi, 3 for a seed ensemble, 2 for a word-shape model, else 1, without the keys of
    newer schemas, so that older code (which decodes with viterbi or, before schema 4, argmax) still reads it."""
    fields = asdict(meta)
    fields["schema_version"] = (5 if meta.transitions is not None else 4 if meta.decoding != "viterbi" else
                                3 if meta.ensemble else 2 if meta.word_shapes else 1)
    for key, since in (("word_shapes", 2), ("ensemble", 3), ("decoding", 4), ("transitions", 5)):
        if fields["schema_version"] < since:
            del fields[key]
    (Path(path) / META_FILE).write_text(json.dumps(fields, indent=2), encoding="utf-8")


class Decisions(ABC):
    """Tags and entities from probabilities, for one model or an ensemble (``classify`` decides text labels):
    subclasses set ``meta`` and give ``word_probs`` (token tasks) and ``text_probs`` (text tasks), each starting
    with ``check_task``."""

    meta: TaskMeta

    @abstractmethod
    def word_probs(self, words_batch: list[list[str]]) -> list[np.ndarray]:
        """Per example, (n_words, n_labels) probabilities (token tasks)."""

    @abstractmethod
    def text_probs(self, texts: list[str]) -> np.ndarray:
        """(n_texts, n_labels) probabilities (text tasks)."""

    def check_task(self, tags_words: bool) -> None:
        """Refuse to tag words with a text model (``tags_words``) or to classify texts with a token model."""
        if tags_words and self.meta.task != "token":
            raise ValueError(f"a {self.meta.task} model classifies texts; tagging words needs a token model")
        if not tags_words and self.meta.task == "token":
            raise ValueError("a token model tags words; classifying texts needs a text model")

    def tag_words(self, words_batch: list[list[str]]) -> list[list[tuple[str, float]]]:
        """Per example, ``(tag, probability)`` of every word, decoded as ``meta.decoding`` says."""
        out = []
        for probs in self.word_probs(words_batch):
            best = decode_tags(probs, self.meta.labels, self.meta.decoding, self.meta.transitions)
            out.append([(self.meta.labels[k], float(row[k])) for k, row in zip(best, probs)])
        return out

    def entities(self, texts: list[str]) -> list[list[dict]]:
        """Entity spans with character offsets into each text (``tagged_spans``)."""
        offsets = [split_words(t) for t in texts]
        tagged = self.tag_words([[t[s:e] for s, e in spans] for t, spans in zip(texts, offsets)])
        return [[{"start": start, "end": stop, "text": text[start:stop], "label": kind,
                  "score": round(float(np.mean([p for _, p in tags[first:end]])), 4)}
                 for kind, first, end, start, stop in tagged_spans(text, spans, [tag for tag, _ in tags])]
                for text, spans, tags in zip(texts, offsets, tagged)]


def tagged_spans(text: str, words: list[tuple[int, int]], tags: list[str]) -> list[tuple[str, int, int, int, int]]:
    """``(type, first_word, end_word, start, end)`` of each span the IOB2 ``tags`` of ``words`` (character spans of
    ``text``) make: none runs across a blank line (a paragraph break), and none starts, ends or is made up of
    invisible characters (``inference.names.visible``)."""
    out = []
    for kind, first, end in cut_spans(bio_spans(tags), paragraph_starts(text, words)):
        bounds = visible_bounds(text, words[first][0], words[end - 1][1])
        if bounds is not None:  # None: only invisible characters (a NUL, a zero-width space) were tagged
            out.append((kind, first, end, *bounds))
    return out


class TaskModel(Decisions):
    """Windowed prediction with one fine-tuned classifier."""

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, meta: TaskMeta,
                 precision: str = "auto", batch_size: int = 32, backend: str = "torch") -> None:
        shaped = getattr(model.config, "type_vocab_size", None) == N_SHAPES
        if meta.word_shapes != shaped:
            raise ValueError(f"{META_FILE} says word_shapes={meta.word_shapes}, but the model has "
                             f"{getattr(model.config, 'type_vocab_size', 'no')} token types "
                             f"({N_SHAPES} for a word-shape model)")
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.meta = meta
        self.use_bf16 = backend == "torch" and resolve_precision(precision)
        # what runs the windows: torch (with bf16 weights under bf16 autocast) or ONNX Runtime
        self.runner = runner(self.model, backend, "logits", token_types=meta.word_shapes, bf16=self.use_bf16)
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: str | Path, precision: str = "auto", batch_size: int = 32,
             backend: str = "torch") -> "TaskModel":
        """``precision``: ``auto``/``bf16``/``fp32`` (torch backend); ``backend``: ``torch``, ``onnx`` or
        ``onnx-int8`` (see ``inference.onnx_runtime``)."""
        path = Path(path)
        meta = read_meta(path)
        if meta.task in ("similarity", "ensemble") or meta.ensemble:
            kind = "seed ensemble" if meta.ensemble else f"{meta.task} typer"
            raise ValueError(f"{path} is a {kind}: load it with inference.model_loading.load_task_model")
        auto = AutoModelForTokenClassification if meta.task == "token" else AutoModelForSequenceClassification
        model = load_pretrained(auto, path)
        return cls(model, AutoTokenizer.from_pretrained(path), meta, precision, batch_size, backend)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        self.model.save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)
        write_meta(path, self.meta)
        return path

    def _forward(self, windows: Windows) -> list[np.ndarray]:
        return forward_windows(self.runner, windows.input_ids, self.tokenizer.pad_token_id, self.batch_size,
                               self.use_bf16, token_type_ids=windows.token_type_ids if self.meta.word_shapes else None)

    # token tasks
    def word_probs(self, words_batch: list[list[str]]) -> list[np.ndarray]:
        """Per example, (n_words, n_labels) probabilities."""
        self.check_task(tags_words=True)
        windows = word_windows(self.tokenizer, words_batch, self.meta.max_length, self.meta.stride,
                               self.meta.word_shapes)
        return merge_word_logits(windows, self._forward(windows))

    # text tasks
    def text_probs(self, texts: list[str]) -> np.ndarray:
        """(n_texts, n_labels) probabilities: softmax (single-label) or sigmoid (multi-label), pooled over windows."""
        self.check_task(tags_words=False)
        windows = text_windows(self.tokenizer, texts, self.meta.max_length, self.meta.stride)
        logits = np.stack(self._forward(windows)) if len(windows) else np.zeros((0, len(self.meta.labels)))
        return pool_text_logits(windows, logits, len(texts), self.meta.task == "multi_label", self.meta.pool)


def classify(model, texts: list[str]) -> list[dict]:
    """``{"labels": [...], "scores": {label: probability}}`` per text, for any model with ``meta`` and
    ``text_probs`` (a text TaskModel or a similarity typer), with the model's thresholds."""
    meta = model.meta
    probs = model.text_probs(texts)
    decided = decide_labels(probs, meta.labels, meta.task == "multi_label", meta.thresholds)
    return [{"labels": labels, "scores": {lab: round(float(p), 4) for lab, p in zip(meta.labels, row)}}
            for labels, row in zip(decided, probs)]


def decide_labels(probs: np.ndarray, labels: list[str], multi_label: bool,
                  thresholds: dict[str, float] | None = None) -> list[list[str]]:
    """Argmax label (single-label) or every label at or above its threshold (multi-label, default 0.5)."""
    if not multi_label:
        return [[labels[int(row.argmax())]] for row in probs]
    cut = np.array([(thresholds or {}).get(label, 0.5) for label in labels])
    return [[label for label, hit in zip(labels, row >= cut) if hit] for row in probs]
