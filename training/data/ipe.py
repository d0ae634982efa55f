"""IndiaPoliceEvents JSON Lines: ``docs.jsonl`` or ``sents.jsonl``, picked by ``cfg.options.level``.

* doc: ``{"doc_id", "doc_text", "doc_labels"}``; example id ``"<doc_id>"``.
* sent: ``{"doc_id", "sent_id", "sent_labels", "sent_text"}``; example id ``"<doc_id>-<sent_id>"``.

An empty label list means negative.

At the doc level, ``source["sentences"]`` (a ``sents.jsonl``) adds each document's labelled sentences as
``label_spans`` (``{"start", "end", "labels"}``, character offsets into the document), so that training labels
each window by the sentences it holds rather than by the whole document (see ``training.tasks.sequence``).
"""

from __future__ import annotations

import collections
import json
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig

from training.data.base import DataFormatError, Example, get_field, iter_jsonl, require_file, text_example


def read(source: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """Read every line, or with ``source["split_file"]`` and ``source["split"]`` only that split's docs.

    Every doc id of the split must occur in the file. Lines of other docs are counted in
    ``stats["not_in_split"]``.
    """
    path = source["path"]
    level = cfg.options.level
    if level not in ("doc", "sent"):
        raise ValueError(f"options.level must be 'doc' or 'sent', not {level!r}")
    if source.get("sentences") and level != "doc":
        raise ValueError("sentences (sentence labels for document windows) needs options.level: doc")
    wanted = _split_ids(source)
    found = set()
    label_names = list(cfg.labels)
    examples = []
    for line, record in iter_jsonl(path):
        doc_id = str(get_field(record, "doc_id", (int, str), path, line))
        if wanted is not None and doc_id not in wanted:
            stats["not_in_split"] += 1
            continue
        found.add(doc_id)
        example_id = doc_id if level == "doc" else f"{doc_id}-{get_field(record, 'sent_id', int, path, line)}"
        text = get_field(record, f"{level}_text", str, path, line)
        labels = get_field(record, f"{level}_labels", list, path, line)
        examples.append(text_example(example_id, text, labels, label_names, path, line))
    if wanted is not None and wanted - found:
        missing = sorted(wanted - found)
        raise DataFormatError(
            source["split_file"], f"{len(missing)} doc ids of split {source['split']!r} not in {path}: {missing[:5]}"
        )
    if source.get("sentences"):
        _add_sentence_spans(examples, source["sentences"], label_names, path, stats)
    return examples


def _add_sentence_spans(docs: list[Example], sents_path: str, label_names: list[str], docs_path: str,
                        stats: collections.Counter) -> None:
    """Locate each document's labelled sentences (in ``sent_id`` order) in its text as ``label_spans``.

    A sentence that is not found after the previous one, or a document whose labels are not the union of its
    sentences' labels, is an error.
    """
    by_doc = {doc["id"]: doc for doc in docs}
    sentences: dict[str, list[tuple[int, int, str, list[str]]]] = collections.defaultdict(list)
    for line, record in iter_jsonl(sents_path):
        doc_id = str(get_field(record, "doc_id", (int, str), sents_path, line))
        if doc_id in by_doc:
            sent = text_example(doc_id, get_field(record, "sent_text", str, sents_path, line),
                                get_field(record, "sent_labels", list, sents_path, line), label_names,
                                sents_path, line)
            sentences[doc_id].append((get_field(record, "sent_id", int, sents_path, line), line, sent["text"],
                                      sent["labels"]))
    for doc_id, doc in by_doc.items():
        spans, union, position = [], set(), 0
        for _, line, text, labels in sorted(sentences[doc_id]):
            start = doc["text"].find(text, position)
            if start < 0:
                raise DataFormatError(sents_path, f"sentence of doc {doc_id} not found in its text after offset "
                                                  f"{position}", line)
            position = start + len(text)
            union.update(labels)
            if labels:
                spans.append({"start": start, "end": position, "labels": labels})
        if union != set(doc["labels"]):
            raise DataFormatError(docs_path, f"doc {doc_id}: labels {doc['labels']} are not the union of its "
                                             f"sentences' labels {sorted(union)} in {sents_path}")
        doc["label_spans"] = spans
        stats["labelled_sentences"] += len(spans)


def _split_ids(source: Mapping[str, Any]) -> set[str] | None:
    """The doc ids (as strings) of ``source["split"]`` in ``source["split_file"]``, or None."""
    split_file = source.get("split_file")
    if split_file is None:
        return None
    try:
        splits = json.loads(require_file(split_file).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataFormatError(split_file, f"invalid JSON ({e.msg})", e.lineno) from None
    split = source.get("split")
    if not isinstance(splits, dict) or not isinstance(splits.get(split), list):
        raise DataFormatError(split_file, f"no list of doc ids for split {split!r}")
    return {str(doc_id) for doc_id in splits[split]}
