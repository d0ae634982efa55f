"""Event anchors decided on event types.

An anchor tagger tags each word with an ACLED sub-event type (or a non-ACLED label). Its tag probabilities are
summed over the sub-types of each event type (each non-ACLED label is a group of its own), the best valid IOB2
sequence of event-type tags is decoded, and each anchor gets the sub-type with the most probability over its words:
the predictor's rule for typers too, where a type is decided on its summed sub-type probability. Sub-types of one
type then share their evidence, which a rare sub-type needs.
"""

from __future__ import annotations

import numpy as np

from inference.spans import split_words, viterbi_tags
from inference.task_model import Decisions, tagged_spans


def group_matrix(labels: list[str], group_of: dict[str, str]) -> tuple[list[str], np.ndarray]:
    """The group-level tags (``O``, then ``B-``/``I-`` per group) and the (n_labels, n_group_tags) 0/1 matrix that
    sums a word's sub-type tag probabilities into them."""
    groups = list(dict.fromkeys(group_of[label[2:]] for label in labels if label != "O"))
    tags = ["O"] + [f"{prefix}-{group}" for group in groups for prefix in "BI"]
    matrix = np.zeros((len(labels), len(tags)))
    for k, label in enumerate(labels):
        matrix[k, 0 if label == "O" else tags.index(f"{label[0]}-{group_of[label[2:]]}")] = 1.0
    return tags, matrix


def anchors(model: Decisions, texts: list[str], group_of: dict[str, str]) -> list[list[dict]]:
    """Per text, ``{"start", "end", "group", "label", "score"}`` of each anchor: its group (event type or non-ACLED
    label), its best sub-type ``label``, and its words' mean probability of their group tags."""
    labels = list(model.meta.labels)
    tags, matrix = group_matrix(labels, group_of)
    offsets = [split_words(t) for t in texts]
    out = []
    for text, words, probs in zip(texts, offsets, model.word_probs([[t[s:e] for s, e in w]
                                                                     for t, w in zip(texts, offsets)])):
        grouped = probs @ matrix
        best = viterbi_tags(grouped, tags)
        found = []
        for group, first, end, start, stop in tagged_spans(text, words, [tags[k] for k in best]):
            members = [k for k, label in enumerate(labels) if label != "O" and group_of[label[2:]] == group]
            mass = probs[first:end][:, members].sum(axis=0)
            subtypes = [labels[k][2:] for k in members]
            label = max(dict.fromkeys(subtypes), key=lambda sub: sum(m for m, s in zip(mass, subtypes) if s == sub))
            score = float(np.mean(grouped[np.arange(first, end), best[first:end]]))
            found.append({"start": start, "end": stop, "group": group, "label": label, "score": round(score, 4)})
        out.append(found)
    return out
