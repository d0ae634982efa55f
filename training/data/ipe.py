"""IndiaPoliceEvents JSON Lines: ``docs.jsonl`` or ``sents.jsonl``, picked by ``cfg.options.level``.

* doc: ``{"doc_id", "doc_text", "doc_labels"}``; example id ``"<doc_id>"``.
* sent: ``{"doc_id", "sent_id", "sent_labels", "sent_text"}``; example id ``"<doc_id>-<sent_id>"``.

An empty label list means negative.
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
    return examples


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
