"""Agreement between two independent annotations of the same texts (the team's double-annotated samples).

    python -m benchmarks.agreement events resources/acled/realnews-v1/dev.jsonl resources/acled/realnews-v1/dev_second.jsonl
    python -m benchmarks.agreement entities benchmarks/cased_entities/annotations.jsonl benchmarks/cased_entities/second.jsonl

Only the texts in both files are compared (matched by record id for events, by location for entities). Events: mention F1 of one annotator against the
other (label and overlapping anchor; symmetric), at sub-event-type and at ACLED-event-type level, Cohen's kappa of
"the sentence reports an ACLED event", and the share of sentences given the same set of event types. Entities:
exact-span F1 (label and offsets) and F1 per type. Prints a markdown table.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from benchmarks.entities import SEED_LABELS, read_gold, score
from training.events.labels import load_labels
from training.data.event_annotations import read_annotations
from training.events.realnews import sentence_scores, typed
from training.tracking.mlflow import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
LABEL_FILE = PROJECT_ROOT / "resources" / "acled" / "labels-v1.yaml"


def kappa(a: Sequence[bool], b: Sequence[bool]) -> float:
    """Cohen's kappa of two binary codings."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def event_agreement(first: Path, second: Path, data_dir: Path) -> dict[str, float]:
    labels = load_labels(LABEL_FILE)
    event_type = labels.event_types()
    a = {t.id: t for t in read_annotations(first, data_dir, event_type)}
    b = {t.id: t for t in read_annotations(second, data_dir, event_type)}
    keys = [k for k in b if k in a]
    if not keys:
        raise ValueError(f"{first} and {second} share no annotated text")
    gold = [[e[:3] for e in a[k].events] for k in keys]
    other = [[e[:3] for e in b[k].events] for k in keys]
    labels_all = sorted(event_type)
    acled_a = [typed(g, event_type.get) for g in gold]
    acled_b = [typed(o, event_type.get) for o in other]
    return {"texts": len(keys), "events_a": sum(map(len, gold)), "events_b": sum(map(len, other)),
            "sub_type_f1": sentence_scores(gold, other, labels_all)["f1"],
            "event_type_f1": sentence_scores(acled_a, acled_b, sorted({t for t in event_type.values() if t}))["f1"],
            "has_event_kappa": kappa([bool(x) for x in acled_a], [bool(x) for x in acled_b]),
            "same_type_set": sum({e[2] for e in x} == {e[2] for e in y}
                                 for x, y in zip(acled_a, acled_b)) / len(keys)}


def entity_agreement(first: Path, second: Path, data_dir: Path) -> dict[str, float]:
    a = {g.source: g for g in read_gold(first, data_dir)}
    b = {g.source: g for g in read_gold(second, data_dir)}
    keys = [k for k in b if k in a]
    if not keys:
        raise ValueError(f"{first} and {second} share no annotated text")
    scores = score([a[k].entities for k in keys], [sorted(b[k].entities) for k in keys])
    return {"texts": len(keys), "mentions_a": scores["gold"], "mentions_b": scores["predicted"],
            "exact_f1": scores["f1"], **{f"{label}.f1": scores[f"{label}.f1"] for label in SEED_LABELS}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.agreement", description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["events", "entities"])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    measure = event_agreement if args.kind == "events" else entity_agreement
    row = measure(args.first, args.second, args.data_dir)
    print("| " + " | ".join(row) + " |\n" + "|---" * len(row) + "|\n| "
          + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()) + " |")


if __name__ == "__main__":
    main()
