"""Event anchors as token examples: the team's real-news annotations (``training.data.event_annotations``) with the words of
each event's anchor tagged by its label, so that a token classifier learns to find every event of a sentence by its
own words (``data=acled_anchors``).

Words are those the predictor reads (``inference.spans.split_words``); a word is inside an anchor when it overlaps
it. Anchors that share a word are an error naming the record, since a word carries one tag.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig

from training.data.base import DataFormatError, Example, word_tags
from training.data.event_annotations import read_annotations


def read(source: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """Token examples with the record ids; ``source``: ``path`` (an annotation file) and ``data_dir`` (the data
    root its locations are in). Labels outside ``cfg.entity_types`` are errors."""
    examples = []
    for record in read_annotations(source["path"], source["data_dir"], cfg.entity_types):
        try:
            tokens, tags = word_tags(record.text, [(start, end, label) for start, end, label, _ in record.events])
        except ValueError as err:
            raise DataFormatError(source["path"], f"{record.id}: {err}") from None
        stats["events"] += len(record.events)
        stats["texts_without_event"] += not record.events
        examples.append({"id": record.id, "tokens": tokens, "tags": tags})
    return examples
