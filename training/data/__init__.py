"""Read a dataset's train/dev splits (or one evaluation file) into the common example form.

``cfg`` is the data config (``conf/data/*.yaml``): ``reader`` picks a function of ``READERS``,
``train``/``dev`` are sources (``path`` plus reader extras), ``dev_carve`` carves dev from train when
``dev`` is null, and ``label_map`` renames (or drops to ``O``) entity types of token tasks.
"""

from __future__ import annotations

import collections
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import datasets
from omegaconf import DictConfig, OmegaConf

from training.data import acled_bridges
from training.data.base import DataFormatError, Example, invalid_iob
from training.data.readers import FORMAT_READERS, Reader
from training.data.reconcile import reconcile_names

READERS: dict[str, Reader] = {"acled_bridges": acled_bridges.read, **FORMAT_READERS}

TOKEN_FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "tokens": datasets.Sequence(datasets.Value("string")),
        "tags": datasets.Sequence(datasets.Value("string")),
    }
)
TEXT_FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "text": datasets.Value("string"),
        "labels": datasets.Sequence(datasets.Value("string")),
    }
)
# text examples whose labels are also given per span (documents with labelled sentences)
SPAN_FEATURES = datasets.Features(
    {
        **TEXT_FEATURES,
        "label_spans": datasets.List({"start": datasets.Value("int32"), "end": datasets.Value("int32"),
                                      "labels": datasets.List(datasets.Value("string"))}),
    }
)
# text examples with soft targets: one probability per label, in label order (``scored_jsonl``)
SCORED_FEATURES = datasets.Features({**TEXT_FEATURES, "scores": datasets.List(datasets.Value("float32"))})


@dataclass
class LoadedData:
    """The train and dev splits, what was counted while reading them, and where they came from."""

    splits: datasets.DatasetDict
    stats: dict[str, int]  # "<split>.<stat>" -> count, including "<split>.examples"
    sources: dict[str, str]  # split -> path (a carved dev names the train file)


def label_list(cfg: DictConfig) -> list[str]:
    """Token tasks: ``O`` then ``B-``/``I-`` for each target type; text tasks: ``cfg.labels``."""
    if cfg.task != "token":
        return list(cfg.labels)
    targets = cfg.labels if cfg.label_map is not None else cfg.entity_types
    return ["O"] + [f"{prefix}-{kind}" for kind in targets for prefix in "BI"]


def read_file(cfg: DictConfig, path: str, keys: list[str] | None = None) -> tuple[list[Example], dict[str, int]]:
    """Read one file in the dataset's native format (e.g. a test file), with ``label_map`` applied.

    ``keys`` are the key files of the ``muc_keys`` reader. Returns the examples and the stats.
    """
    source = {"path": str(path)} if keys is None else {"path": str(path), "keys": list(keys)}
    stats: collections.Counter = collections.Counter()
    examples = _reconcile(_map_tags(_read(cfg, source, stats), cfg, stats, source["path"]), cfg, stats)
    stats["examples"] = len(examples)
    return examples, dict(stats)


def load_splits(cfg: DictConfig) -> LoadedData:
    """Read train and dev (or carve dev from train) into a DatasetDict with explicit features."""
    if cfg.train is None:
        raise ValueError(f"data={cfg.name} has no training split: it is only for scoring a file with "
                         "training.jobs.evaluate (data.test_path=...)")
    stats = {"train": collections.Counter(), "dev": collections.Counter()}
    train_source = OmegaConf.to_container(cfg.train, resolve=True)
    examples = {"train": _read(cfg, train_source, stats["train"])}
    sources = {"train": train_source["path"]}
    if cfg.dev is None:
        if cfg.dev_carve is None:
            raise ValueError("the data config needs dev or dev_carve")
        examples["train"], examples["dev"] = carve(examples["train"], cfg.dev_carve.fraction, cfg.dev_carve.seed)
        sources["dev"] = train_source["path"]
    else:
        dev_source = OmegaConf.to_container(cfg.dev, resolve=True)
        examples["dev"] = _read(cfg, dev_source, stats["dev"])
        sources["dev"] = dev_source["path"]
    splits = {}
    for split, split_examples in examples.items():
        split_examples = _reconcile(_map_tags(split_examples, cfg, stats[split], sources[split]), cfg, stats[split])
        stats[split]["examples"] = len(split_examples)
        features = (TOKEN_FEATURES if cfg.task == "token" else
                    SPAN_FEATURES if "label_spans" in split_examples[0] else
                    SCORED_FEATURES if "scores" in split_examples[0] else TEXT_FEATURES)
        columns = {name: [example[name] for example in split_examples] for name in features}
        splits[split] = datasets.Dataset.from_dict(columns, features=features, split=split)
    flat = {f"{split}.{name}": count for split, counter in stats.items() for name, count in sorted(counter.items())}
    return LoadedData(datasets.DatasetDict(splits), flat, sources)


def with_dev_in_train(data: LoadedData) -> LoadedData:
    """A final fit's data (``refit=true``): dev's examples appended to train's, and no dev split left."""
    columns = {split: sorted(examples.column_names) for split, examples in data.splits.items()}
    if columns["train"] != columns["dev"]:
        raise ValueError(f"refit=true: train ({data.sources['train']}) has the fields {columns['train']} and dev "
                         f"({data.sources['dev']}) {columns['dev']}, so they cannot be trained on together")
    train = datasets.concatenate_datasets([data.splits["train"], data.splits["dev"]])
    sources = dict.fromkeys([data.sources["train"], data.sources["dev"]])  # a carved dev names the train file
    return LoadedData(datasets.DatasetDict({"train": train}), data.stats, {"train": " + ".join(sources)})


def carve(examples: list[Example], fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Split ``examples`` into (train, dev), dev holding ``round(fraction * n)`` of them.

    The permutation orders indices by ``sha256("<seed>:<index>")``, so it depends only on the
    number of examples and the seed; both parts keep the original order.
    """
    n_dev = round(fraction * len(examples))
    if not 0 < n_dev < len(examples):
        raise ValueError(f"dev_carve fraction {fraction} leaves no train or no dev from {len(examples)} examples")
    order = sorted(range(len(examples)), key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).digest())
    dev = set(order[:n_dev])
    return (
        [example for i, example in enumerate(examples) if i not in dev],
        [example for i, example in enumerate(examples) if i in dev],
    )


def _read(cfg: DictConfig, source: Mapping[str, Any], stats: collections.Counter) -> list[Example]:
    """Run the configured reader; a file without examples or with a repeated id is an error."""
    if cfg.reader not in READERS:
        raise ValueError(f"unknown reader {cfg.reader!r}; known: {sorted(READERS)}")
    examples = READERS[cfg.reader](source, cfg, stats)
    if not examples:
        raise DataFormatError(source["path"], "no examples")
    ids = collections.Counter(example["id"] for example in examples)
    repeated = [example_id for example_id, count in ids.items() if count > 1]
    if repeated:
        raise DataFormatError(source["path"], f"repeated example ids: {repeated[:5]}")
    return examples


def _reconcile(examples: list[Example], cfg: DictConfig, stats: collections.Counter) -> list[Example]:
    """Apply ``cfg.reconcile`` (name conventions of token tasks; see ``reconcile.py``) when it is set."""
    if cfg.task != "token" or not cfg.get("reconcile"):
        return examples
    return reconcile_names(examples, cfg.reconcile, stats)


def _map_tags(examples: list[Example], cfg: DictConfig, stats: collections.Counter, path: str) -> list[Example]:
    """Apply ``cfg.label_map`` to token tags; tokens of unmapped types become ``O`` (``stats["mapped_to_O"]``)."""
    if cfg.task != "token" or cfg.label_map is None:
        return examples
    label_map = dict(cfg.label_map)
    unknown = (set(label_map) - set(cfg.entity_types)) | (set(label_map.values()) - set(cfg.labels))
    if unknown:
        raise ValueError(f"label_map names types not in entity_types/labels: {sorted(unknown)}")
    mapped = []
    for example in examples:
        tags = []
        for tag in example["tags"]:
            target = label_map.get(tag[2:]) if tag != "O" else None
            stats["mapped_to_O"] += tag != "O" and target is None
            tags.append("O" if target is None else f"{tag[:2]}{target}")
        if next(invalid_iob(tags), None) is not None:
            raise DataFormatError(path, f"{example['id']}: label_map gives invalid IOB2 tags")
        mapped.append({**example, "tags": tags})
    return mapped
