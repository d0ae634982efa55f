"""Role-filler spans (PerpInd, PerpOrg, Target, Victim, Weapon) from GRIT, as BIO-tagged words.

Words: ``WORD_RE`` matches runs of word characters joined by hyphens (``m-16``, ``truck-bomb``),
the possessive ``'s`` and every other punctuation mark as separate tokens; whitespace is dropped.

Each mention string is tagged at every occurrence that starts at a word start and ends at a word
end. GRIT gives each mention with the offset of its first occurrence, found by plain substring
search: that offset must hold the mention (else an error). If it is not word-aligned, either the
mention is a word prefix followed by a plural ending (``terrorist`` in ``terrorists``): the whole
word is tagged (``stats["mentions_extended"]``); or it is a substring of an unrelated word (``car``
in ``carlos``, ``men`` in ``government``): that offset is not tagged (``stats["offsets_inside_word"]``).
"""

from __future__ import annotations

import bisect
import collections
import re
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig

from training.data.base import DataFormatError, Example
from training.data.grit import GritDoc, read_docs

WORD_RE = re.compile(r"\w+(?:-\w+)*|'s\b|[^\w\s]")
PLURAL_ENDING = re.compile(r"e?s")

Span = tuple[int, int, str]  # first word, last word + 1, role


def read(source: Mapping[str, Any], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """Read a GRIT file into token examples (id = docid, tokens = words, IOB2 role tags).

    Overlapping spans: the longer (in words) wins, ties go to the role listed first in
    ``cfg.entity_types``; each losing span is counted in ``stats["overlapping_mentions_resolved"]``.
    """
    roles = list(cfg.entity_types)
    examples = []
    for doc in read_docs(source["path"]):
        words = [(m.start(), m.end()) for m in WORD_RE.finditer(doc.text)]
        spans = _spans(doc, words, roles, source["path"], stats)
        tokens = [doc.text[start:end] for start, end in words]
        examples.append({"id": doc.docid, "tokens": tokens, "tags": _tags(spans, len(words), roles, stats)})
    return examples


def _spans(
    doc: GritDoc, words: list[tuple[int, int]], roles: list[str], path: str, stats: collections.Counter
) -> set[Span]:
    """The word spans of every mention of every role in ``doc``."""
    starts = {start: i for i, (start, _) in enumerate(words)}
    ends = {end: i + 1 for i, (_, end) in enumerate(words)}
    spans = set()
    for role, mention, offset in _mentions(doc, roles, path):
        end = offset + len(mention)
        if doc.text[offset:end] != mention:
            raise DataFormatError(path, f"{doc.docid}: {role} mention {mention!r} is not at offset {offset}", doc.line)
        for match in re.finditer(f"(?={re.escape(mention)})", doc.text):
            start = match.start()
            if start in starts and start + len(mention) in ends:
                spans.add((starts[start], ends[start + len(mention)], role))
                stats["mention_occurrences"] += 1
        if offset in starts and end in ends:
            continue
        word = bisect.bisect_right(words, (end, end)) - 1  # the word holding the mention's last character
        if offset in starts and PLURAL_ENDING.fullmatch(doc.text, end, words[word][1]):
            spans.add((starts[offset], word + 1, role))
            stats["mentions_extended"] += 1
        else:
            stats["offsets_inside_word"] += 1
    return spans


def _mentions(doc: GritDoc, roles: list[str], path: str) -> list[tuple[str, str, int]]:
    """``(role, mention, offset)`` for every mention in the doc's ``extracts``, checking their shape."""
    extracts = doc.record.get("extracts")
    if not isinstance(extracts, dict):
        raise DataFormatError(path, f"{doc.docid}: missing or malformed 'extracts'", doc.line)
    mentions = []
    for role, entities in extracts.items():
        if role not in roles:
            raise DataFormatError(path, f"{doc.docid}: unknown role {role!r}", doc.line)
        if not isinstance(entities, list) or not all(isinstance(entity, list) for entity in entities):
            raise DataFormatError(path, f"{doc.docid}: {role} is not a list of entities", doc.line)
        for entity in entities:
            for mention in entity:
                if not _is_mention(mention):
                    message = f"{doc.docid}: {role} mention {mention!r} is not [text, offset]"
                    raise DataFormatError(path, message, doc.line)
                mentions.append((role, *mention))
    return mentions


def _is_mention(value: Any) -> bool:
    """True for ``[non-empty string, offset >= 0]``."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and value[0] != ""
        and isinstance(value[1], int)
        and value[1] >= 0
    )


def _tags(spans: set[Span], length: int, roles: list[str], stats: collections.Counter) -> list[str]:
    """IOB2 tags for non-overlapping spans, longer spans first, then by role order."""
    tags = ["O"] * length
    for start, end, role in sorted(spans, key=lambda s: (s[0] - s[1], roles.index(s[2]), s[0])):
        if any(tag != "O" for tag in tags[start:end]):
            stats["overlapping_mentions_resolved"] += 1
            continue
        tags[start:end] = [f"B-{role}"] + [f"I-{role}"] * (end - start - 1)
    return tags
