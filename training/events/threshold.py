"""Choose the predictor's event threshold on dev. For a typer: the cut on summed sub-type probability that
maximises micro F1 of (text, ACLED event type) decisions, with the predictor's rule that a span whose best label
is the no-event label reports nothing. For an anchor tagger: the least anchor score that maximises the F1 of
(ACLED event type, overlapping anchor) on the team's real-news dev sentences."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score
from sklearn.preprocessing import MultiLabelBinarizer

from inference.predictor import ACLED_EVENT_TYPES, event_groups, no_event_index
from training.events.realnews import sentence_scores, typed

GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)


def event_type_decisions(probs: np.ndarray, labels: list[str], event_types: dict[str, str | None],
                         no_event_label: str, threshold: float) -> list[list[str]]:
    """Per row, the ACLED event types the predictor would report at ``threshold``."""
    no_event = no_event_index(labels, no_event_label)
    groups = {kind: members for kind, members in event_groups(labels, event_types, no_event_label).items()
              if kind in ACLED_EVENT_TYPES}
    return [[] if int(row.argmax()) == no_event else
            [kind for kind, members in groups.items() if row[members].sum() >= threshold]
            for row in probs]


def tune_event_threshold(probs: np.ndarray, gold: list[str], labels: list[str], event_types: dict[str, str | None],
                         no_event_label: str) -> tuple[float, float]:
    """``(threshold, micro F1)`` on the grid; ties go to the higher threshold (fewer false events)."""
    binarizer = MultiLabelBinarizer(classes=list(ACLED_EVENT_TYPES))
    truth = binarizer.fit_transform([[event_types[g]] if event_types.get(g) else [] for g in gold])
    best = (0.5, -1.0)
    for threshold in GRID:
        pred = binarizer.transform(event_type_decisions(probs, labels, event_types, no_event_label, threshold))
        score = f1_score(truth, pred, average="micro", zero_division=0)
        if score >= best[1]:
            best = (float(threshold), float(score))
    return best


def tune_anchor_threshold(anchors: list[list[dict]], gold: list[list[tuple[int, int, str]]],
                          event_types: dict[str, str | None]) -> tuple[float, float]:
    """``(threshold, F1)`` for an anchor tagger: the least anchor score on the grid that maximises the micro F1 of
    (ACLED event type, overlapping anchor) over the sentences (``training.events.realnews``); ``anchors`` are the
    tagger's spans per sentence (``label``, ``start``, ``end``, ``score``), ``gold`` the annotated events with their
    labels. Ties go to the higher threshold (fewer false events)."""
    acled = {label: kind for label, kind in event_types.items() if kind in ACLED_EVENT_TYPES}
    truth = [typed(events, acled.get) for events in gold]
    best = (0.5, -1.0)
    for threshold in GRID:
        output = [typed([(a["start"], a["end"], a["label"]) for a in found if a["score"] >= threshold], acled.get)
                  for found in anchors]
        score = sentence_scores(truth, output, ACLED_EVENT_TYPES)["f1"]
        if score >= best[1]:
            best = (float(threshold), float(score))
    return best
