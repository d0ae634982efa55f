"""MUC-3/4 incident types: texts from GRIT JSON Lines, labels from the raw MUC answer-key files.

A key file is a run of templates of numbered slots ``N.  SLOT NAME   VALUE``; lines starting with
whitespace continue the previous slot and lines starting with ``;`` are comments. Only three slots
are read: ``0.  MESSAGE: ID`` (``DEV-MUC3-0001 (NCCOSC)``: the parenthetical is dropped), ``1.
MESSAGE: TEMPLATE`` (``*`` marks an irrelevant document, ``2 (OPTIONAL)`` an optional template)
and ``4.  INCIDENT: TYPE`` (``ATTACK``, ``? ATTACK``, or the ambiguous ``BOMBING / ATTACK``).
"""

from __future__ import annotations

import collections
import glob
import re
from collections.abc import Iterable, Mapping
from typing import Any

from omegaconf import DictConfig

from training.data.base import DataFormatError, Example, iter_lines, text_example
from training.data.grit import read_docs

SLOTS = {"0": "MESSAGE: ID", "1": "MESSAGE: TEMPLATE", "4": "INCIDENT: TYPE"}
SLOT_RE = re.compile(r"(\d+)\.\s+(.*?)\s*")
MESSAGE_ID_RE = re.compile(r"(\S+)(?:\s+\(.*)?")
TEMPLATE_RE = re.compile(r"\*|\d+(?: \(OPTIONAL\))?")


def read(source: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """Read the GRIT file ``source["path"]`` labelled from the key files ``source["keys"]`` (globs allowed).

    A doc's labels are the union of its templates' incident types. Every doc needs a key entry;
    key entries for other docs are counted in ``stats["keys_without_doc"]``.
    """
    path = source["path"]
    labels = list(cfg.labels)
    if not source.get("keys"):
        raise ValueError(f"reader muc_keys needs key files for {path}")
    types: dict[str, set[str]] = collections.defaultdict(set)
    for key_path in _expand(source["keys"]):
        for docid, doc_types in parse_keys(key_path, labels, stats).items():
            types[docid] |= doc_types
    examples = []
    for doc in read_docs(path):
        if doc.docid not in types:
            raise DataFormatError(path, f"{doc.docid}: no entry in the key files", doc.line)
        examples.append(text_example(doc.docid, doc.text, types[doc.docid], labels, path, doc.line))
    stats["keys_without_doc"] += len(types.keys() - {example["id"] for example in examples})
    return examples


def parse_keys(path: str, labels: list[str], stats: collections.Counter) -> dict[str, set[str]]:
    """Map each message id in one key file to its incident types (empty for irrelevant docs).

    Counts ``stats["optional_templates"]``, ``stats["possible_types"]`` (a leading ``?``) and
    ``stats["ambiguous_types"]`` (``X / Y`` gives both types).
    """
    types: dict[str, set[str]] = {}
    docid = relevant = None
    untyped = None  # line of the current template until its INCIDENT: TYPE is seen
    slot = None
    for line, text in iter_lines(path):
        if not text.strip() or text.startswith(";"):
            continue
        if text[0].isspace():
            if slot == "4":
                raise DataFormatError(path, "INCIDENT: TYPE has a continuation line", line)
            continue
        match = SLOT_RE.fullmatch(text)
        if not match:
            raise DataFormatError(path, "expected a numbered slot", line)
        slot, rest = match.groups()
        if slot not in SLOTS:
            continue
        if not rest.startswith(SLOTS[slot]):
            raise DataFormatError(path, f"slot {slot} should be {SLOTS[slot]!r}", line)
        value = rest[len(SLOTS[slot]) :].strip()
        if slot == "0":
            if untyped is not None:
                raise DataFormatError(path, "template has no INCIDENT: TYPE", untyped)
            docid, relevant, untyped = _message_id(value, path, line), None, line
            types.setdefault(docid, set())
        elif docid is None or (slot == "4" and relevant is None):
            raise DataFormatError(path, f"{SLOTS[slot]} out of order", line)
        elif slot == "1":
            if not TEMPLATE_RE.fullmatch(value):
                raise DataFormatError(path, f"bad template number {value!r}", line)
            relevant = value != "*"
            stats["optional_templates"] += value.endswith("(OPTIONAL)")
        else:
            types[docid] |= _incident_types(value, relevant, labels, path, line, stats)
            untyped = None
    if untyped is not None:
        raise DataFormatError(path, "template has no INCIDENT: TYPE", untyped)
    if not types:
        raise DataFormatError(path, "no templates")
    return types


def _message_id(value: str, path: str, line: int) -> str:
    """The doc id of a ``MESSAGE: ID`` value, without the parenthetical (which may be unclosed)."""
    match = MESSAGE_ID_RE.fullmatch(value)
    if not match:
        raise DataFormatError(path, f"bad message id {value!r}", line)
    return match.group(1)


def _incident_types(
    value: str, relevant: bool, labels: list[str], path: str, line: int, stats: collections.Counter
) -> set[str]:
    """The types of one ``INCIDENT: TYPE`` value; an irrelevant template must have ``*``."""
    if not relevant:
        if value != "*":
            raise DataFormatError(path, f"INCIDENT: TYPE {value!r} in an irrelevant (*) template", line)
        return set()
    alternatives = [alternative.strip() for alternative in value.split(" / ")]
    stats["ambiguous_types"] += len(alternatives) > 1
    types = set()
    for alternative in alternatives:
        if alternative.startswith("?"):
            alternative = alternative[1:].strip()
            stats["possible_types"] += 1
        if alternative not in labels:
            raise DataFormatError(path, f"unknown incident type {alternative!r}", line)
        types.add(alternative)
    return types


def _expand(patterns: Iterable[str]) -> list[str]:
    """The key files matching each pattern, sorted within a pattern."""
    paths = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern))
        if not matches:
            raise DataFormatError(pattern, "no key file matches")
        paths.extend(matches)
    return paths
