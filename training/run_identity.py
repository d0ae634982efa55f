"""What makes two training runs the same: config fingerprints, and finding a finished run to skip to.

``config_hash`` covers the resolved config (minus where outputs go, where the data files are and how the run is
named) and a digest of the data actually read; ``seed_group`` is the same without the seed, so the runs of a
seed sweep share it. A run is skipped when one with the same ``config_hash`` and git commit already FINISHED in
the experiment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

import mlflow
from mlflow.entities import Run
from omegaconf import DictConfig, OmegaConf

# config keys that do not change what is trained (the data digest stands for the files read)
IGNORED_KEYS = ("paths", "mlflow.run_name", "mlflow.tracking_uri", "force", "data.train.path", "data.dev.path")


def data_digest(splits: dict[str, Iterable[dict]]) -> str:
    """SHA-256 of every example of every split, in order."""
    digest = hashlib.sha256()
    for name in sorted(splits):
        digest.update(name.encode())
        for example in splits[name]:
            digest.update(json.dumps(example, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def fingerprint(cfg: DictConfig, digest: str, ignore: Iterable[str] = ()) -> str:
    """A short hash of the resolved config without ``IGNORED_KEYS`` (and ``ignore``), plus the data digest."""
    tree = OmegaConf.to_container(cfg, resolve=True)
    for dotted in (*IGNORED_KEYS, *ignore):
        *parents, leaf = dotted.split(".")
        node = tree
        for key in parents:
            node = node.get(key) or {}  # absent or null (e.g. data.dev of a carved dev split)
        node.pop(leaf, None)
    text = json.dumps(tree, sort_keys=True, default=str) + digest
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def identity_tags(cfg: DictConfig, digest: str) -> dict[str, str]:
    """``config_hash`` (skip detection) and ``seed_group`` (seed aggregation) tags."""
    return {"config_hash": fingerprint(cfg, digest), "seed_group": fingerprint(cfg, digest, ignore=["seed"])}


def finished_run(experiment_id: str, config_hash: str, git_commit: str) -> Run | None:
    """The latest FINISHED run of the experiment with this config hash and git commit, if any."""
    runs = mlflow.search_runs([experiment_id],
                              f"attributes.status = 'FINISHED' and tags.config_hash = '{config_hash}' "
                              f"and tags.git_commit = '{git_commit}'",
                              order_by=["attributes.start_time DESC"], max_results=1, output_format="list")
    return runs[0] if runs else None
