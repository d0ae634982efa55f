"""The readers of the native file formats, by the name a data config's ``reader`` gives.

``acled_bridges`` (weak ACLED supervision) builds on these: it bridges examples from files any of them reads, and
``training.data.READERS`` adds it to them.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from typing import Any

from omegaconf import DictConfig

from training.data import case_tsv, conll, event_anchors, grit_roles, ipe, muc_keys, scored_jsonl, tsv_class
from training.data.base import Example

Reader = Callable[[Mapping[str, Any], DictConfig, collections.Counter], list[Example]]

FORMAT_READERS: dict[str, Reader] = {
    "case_tsv": case_tsv.read,
    "conll": conll.read,
    "event_anchors": event_anchors.read,
    "tsv_class": tsv_class.read,
    "ipe": ipe.read,
    "grit_roles": grit_roles.read,
    "muc_keys": muc_keys.read,
    "scored_jsonl": scored_jsonl.read,
}
