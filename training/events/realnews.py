"""How event output is scored against the team's real-news annotations (``training.data.event_annotations``).

An output event matches a gold event when their types agree and their character spans overlap (one to one, largest
overlap first). On sentences mentions are counted; on articles a gold event is found when any of its mentions is
matched, and an output event is right when it overlaps any gold mention of its type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

Event = tuple[int, int, str]  # (start, end, type) in the annotated span


def _overlap(a: Event, b: Event) -> int:
    return min(a[1], b[1]) - max(a[0], b[0])


def matches(gold: Sequence[Event], predicted: Sequence[Event]) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs of the same type with overlapping spans, largest overlap
    first."""
    pairs = sorted(((_overlap(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(predicted)
                    if g[2] == p[2] and _overlap(g, p) > 0), reverse=True)
    used_gold, used_pred, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            out.append((i, j))
    return out


def _prf(hits_p: int, n_pred: int, hits_r: int, n_gold: int) -> dict[str, float]:
    precision = hits_p / n_pred if n_pred else 0.0
    recall = hits_r / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "gold": n_gold, "predicted": n_pred}


def sentence_scores(gold: Sequence[Sequence[Event]], predicted: Sequence[Sequence[Event]],
                    types: Sequence[str]) -> dict[str, float]:
    """Mention-level precision, recall and F1 of (type, overlapping anchor) over the sentences, F1 per type, and
    the share of sentences without a gold event that get no output event (``no_event_kept``)."""
    hits = 0
    per_type = {t: [0, 0, 0] for t in types}  # hits, gold, predicted
    quiet = empty = 0
    for g, p in zip(gold, predicted, strict=True):
        found = matches(g, p)
        hits += len(found)
        for i, _ in found:
            per_type[g[i][2]][0] += 1
        for event in g:
            per_type[event[2]][1] += 1
        for event in p:
            per_type[event[2]][2] += 1
        if not g:
            empty += 1
            quiet += not p
    out = _prf(hits, sum(map(len, predicted)), hits, sum(map(len, gold)))
    for t, (h, n_gold, n_pred) in per_type.items():
        out[f"{t}.f1"] = _prf(h, n_pred, h, n_gold)["f1"]
    out["no_event_kept"] = quiet / empty if empty else 0.0
    return out


def article_scores(gold: Sequence[Sequence[tuple[int, int, str, int]]],
                   predicted: Sequence[Sequence[Event]]) -> dict[str, float]:
    """Event-level recall (a gold event is found when an output event of its type overlaps one of its mentions)
    and precision (an output event is right when it overlaps a gold mention of its type), over the articles."""
    found = n_gold = right = n_pred = 0
    for g, p in zip(gold, predicted, strict=True):
        events: dict[int, list[Event]] = {}
        for start, end, kind, number in g:
            events.setdefault(number, []).append((start, end, kind))
        mentions = [m for group in events.values() for m in group]
        n_gold += len(events)
        found += sum(any(_overlap(m, q) > 0 and m[2] == q[2] for m in group for q in p) for group in events.values())
        n_pred += len(p)
        right += sum(any(_overlap(m, q) > 0 and m[2] == q[2] for m in mentions) for q in p)
    return _prf(right, n_pred, found, n_gold)


def typed(events: Iterable[tuple[int, int, str] | tuple[int, int, str, int]], type_of: Callable[[str], str | None],
          ) -> list:
    """The events with each label replaced by its type (``type_of``); labels whose type is None are dropped."""
    return [(e[0], e[1], type_of(e[2]), *e[3:]) for e in events if type_of(e[2]) is not None]
