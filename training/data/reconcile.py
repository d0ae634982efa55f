"""Bring re3d's entity conventions closer to OntoNotes' "names only" (used by ``re3d_seed``).

re3d marks pronouns ("he", "we"), descriptions ("coalition forces", "the families of the victims") and titles
("Foreign Minister Sergei Lavrov") as entities. With ``cfg.reconcile`` set, spans of the name types:

* lose leading words in ``strip_leading`` (determiners) and, for ``PER``, leading ``titles``;
* become ``O`` when no token is a name: capitalised, not a pronoun, and, at the start of a sentence, a word
  that never appears in lower case elsewhere in the split (so "Coalition forces ..." is a description while
  "Assad said ..." is a name).

Every stripped token and dropped span is counted.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any

from inference.spans import bio_spans
from training.data.base import Example

PRONOUNS = frozenset("i me my mine we us our ours you your he him his she her hers it its they them their theirs "
                     "this that these those who whom which".split())


def reconcile_names(examples: list[Example], options: Mapping[str, Any],
                    stats: collections.Counter) -> list[Example]:
    """Examples with their name-type spans trimmed or dropped as described in the module docstring."""
    lower_vocab = {tok for ex in examples for tok in ex["tokens"][1:] if tok.islower()}
    name_types = set(options["types"])
    determiners = {w.lower() for w in options.get("strip_leading", [])}
    titles = {w.lower() for w in options.get("titles", [])}
    out = []
    for ex in examples:
        tags = list(ex["tags"])
        for kind, start, end in bio_spans(tags):
            if kind not in name_types:
                continue
            first = start
            while first < end and (ex["tokens"][first].lower() in determiners
                                   or (kind == "PER" and ex["tokens"][first].lower().rstrip(".") in titles)):
                first += 1
            stats["reconcile.stripped_tokens"] += first - start
            keep = first < end and any(_is_name(ex["tokens"], i, lower_vocab) for i in range(first, end))
            if not keep:
                stats[f"reconcile.dropped_{kind}"] += 1
                first = end
            tags[start:end] = ["O"] * (first - start) + [f"B-{kind}"] * (first < end) + [f"I-{kind}"] * max(
                end - first - 1, 0)
        out.append({**ex, "tags": tags})
    return out


def _is_name(tokens: list[str], i: int, lower_vocab: set[str]) -> bool:
    token = tokens[i]
    if not token[:1].isupper() or token.lower() in PRONOUNS:
        return False
    return i > 0 or token.lower() not in lower_vocab
