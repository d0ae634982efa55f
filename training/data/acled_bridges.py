"""Weak ACLED supervision: a CASE-format file plus examples bridged from other datasets' training files.

``source["bridges"]`` maps a bridge name to how its examples are made::

    satp_abduction:
      reader: tsv_class                # any format reader (``FORMAT_READERS``), with the task/labels/options it needs
      task: multi_label
      labels: [l1, l2, l3, l4]
      options: {}
      source: {path: .../satp_relevant/train.tsv}
      when: [l3]                       # take examples whose label set is exactly this
      label: ABDUCT_DISSAP             # the ACLED label they get
      text: first_sentence             # or "whole"
      max_examples: 60                 # a deterministic sample (by id hash) when more match; null keeps all

Counts per bridge (matched, kept) are recorded in the stats. Example ids are ``<bridge>:<native id>``.
"""

from __future__ import annotations

import collections
import hashlib
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, OmegaConf

from inference.sentences import split_sentences
from training.data import case_tsv
from training.data.base import Example, text_example
from training.data.readers import FORMAT_READERS


def read(source: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """The CASE-format file ``source["path"]``, then every bridge's examples."""
    examples = case_tsv.read(source, cfg, stats)
    for name, bridge in (source.get("bridges") or {}).items():
        examples.extend(_bridge(name, bridge, cfg, stats))
    return examples


def _bridge(name: str, bridge: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    native_cfg = OmegaConf.create({key: bridge.get(key) for key in ("task", "labels", "options", "entity_types")})
    native_stats: collections.Counter = collections.Counter()
    native = FORMAT_READERS[bridge["reader"]](bridge["source"], native_cfg, native_stats)
    stats.update({f"bridge.{name}.{key}": count for key, count in native_stats.items()})
    wanted = set(bridge["when"])
    matched = [ex for ex in native if set(ex["labels"]) == wanted]
    stats[f"bridge.{name}.matched"] = len(matched)
    cap = bridge.get("max_examples")
    if cap is not None and len(matched) > cap:
        keep = set(sorted(range(len(matched)), key=lambda i: hashlib.sha256(matched[i]["id"].encode()).digest())[:cap])
        matched = [ex for i, ex in enumerate(matched) if i in keep]
    stats[f"bridge.{name}.kept"] = len(matched)
    labels = list(cfg.labels)
    out = []
    for ex in matched:
        text = ex["text"]
        if bridge.get("text", "whole") == "first_sentence":
            start, end = split_sentences(text)[0]
            text = text[start:end]
        out.append(text_example(f"{name}:{ex['id']}", text, [bridge["label"]], labels,
                                bridge["source"]["path"], None))
    return out
