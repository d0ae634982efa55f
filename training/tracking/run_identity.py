"""What makes two training runs the same: config fingerprints, a finished run to skip to, an interrupted run to
resume.

``config_hash`` covers the resolved config (minus where outputs go, where the data files, a local encoder and the
assembled MPNet cache are, how the run is named, and whether it may skip, resume or keep checkpoints), a digest of
the data actually read and, for a local encoder folder (``model.source: path``, e.g. ``model=dapt``), a digest of
its files; ``seed_group`` is the same without the seed, so the runs of a seed sweep share it. A run is skipped when
one with the same ``config_hash`` and git commit already FINISHED in the experiment, and resumed from its last epoch
checkpoint when it was interrupted instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow.entities import Run
from omegaconf import DictConfig, OmegaConf
from transformers.trainer import OPTIMIZER_NAME, TRAINER_STATE_NAME
from transformers.trainer_utils import sort_checkpoints

# config keys that do not change what is trained (the data and encoder digests stand for the files read)
IGNORED_KEYS = ("paths", "mlflow.run_name", "mlflow.tracking_uri", "force", "resume", "keep_checkpoints",
                "trainer.save_only_model", "data.train.path", "data.dev.path", "model.path", "model.cache_dir")
CHECKPOINTS_TAG = "checkpoints_dir"  # where a run's epoch checkpoints are written, for resuming it
PROCESS_TAG = "process"  # host:pid:start of the process training the run, to tell a live RUNNING run from a dead one


def data_digest(splits: dict[str, Iterable[dict]]) -> str:
    """SHA-256 of every example of every split, in order."""
    digest = hashlib.sha256()
    for name in sorted(splits):
        digest.update(name.encode())
        for example in splits[name]:
            digest.update(json.dumps(example, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def encoder_digest(model_cfg: DictConfig) -> str:
    """SHA-256 of the names and bytes of every file of a local encoder folder (``source: path``), so that an
    encoder trained again in the same folder is another run; ``""`` for packaged and built-in encoders."""
    if model_cfg.get("source") != "path":
        return ""
    folder = Path(model_cfg.path)
    if not folder.is_dir():
        raise FileNotFoundError(f"model.path={folder}: no such encoder folder")
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(file.relative_to(folder).as_posix().encode())
        with file.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
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
    """``config_hash`` (skip detection) and ``seed_group`` (seed aggregation) tags for the data ``digest``."""
    digest += encoder_digest(cfg.model)
    return {"config_hash": fingerprint(cfg, digest), "seed_group": fingerprint(cfg, digest, ignore=["seed"])}


def _runs(experiment_id: str, config_hash: str, git_commit: str, status: str,
          max_results: int = 1000) -> list[Run]:
    """Runs of the experiment with this config hash and git commit whose status satisfies ``status``, latest
    first."""
    return mlflow.search_runs([experiment_id],
                              f"attributes.status {status} and tags.config_hash = '{config_hash}' "
                              f"and tags.git_commit = '{git_commit}'",
                              order_by=["attributes.start_time DESC"], max_results=max_results, output_format="list")


def finished_run(experiment_id: str, config_hash: str, git_commit: str) -> Run | None:
    """The latest FINISHED run of the experiment with this config hash and git commit, if any."""
    runs = _runs(experiment_id, config_hash, git_commit, "= 'FINISHED'", max_results=1)
    return runs[0] if runs else None


def _start_time(pid: int) -> str:
    """When the process started, in clock ticks after boot (Linux); empty where ``/proc`` is not available."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the command name before ")" may hold spaces


def process_tag() -> str:
    """``host:pid:start`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def _alive(process: str | None) -> bool:
    """Whether a ``host:pid:start`` process still runs; on another host that cannot be known, so it counts as live."""
    host, _, rest = (process or "").partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        pass
    return _start_time(int(pid)) == started  # else the pid now belongs to another process


@dataclass
class Interrupted:
    run: Run
    checkpoint: Path  # the last epoch checkpoint it saved


def interrupted_run(experiment_id: str, config_hash: str, git_commit: str,
                    run_id: str | None = None) -> Interrupted | None:
    """The latest run with this config hash and git commit that stopped before finishing (KILLED, FAILED, or
    RUNNING in a process of this host that no longer exists) and saved an epoch checkpoint, if any.

    With ``run_id``, that run, whatever its process: it must be an unfinished run of this configuration with a
    checkpoint, else ValueError.
    """
    if run_id is not None:
        return _named_run(run_id, config_hash, git_commit)
    for run in _runs(experiment_id, config_hash, git_commit, "!= 'FINISHED'"):
        tags = run.data.tags
        if run.info.status == "RUNNING" and _alive(tags.get(PROCESS_TAG)):
            continue
        last = last_checkpoint(Path(tags[CHECKPOINTS_TAG])) if CHECKPOINTS_TAG in tags else None
        if last is not None:
            return Interrupted(run, last)
    return None


def _named_run(run_id: str, config_hash: str, git_commit: str) -> Interrupted:
    run = mlflow.get_run(run_id)
    tags, status = run.data.tags, run.info.status
    if (tags.get("config_hash"), tags.get("git_commit")) != (config_hash, git_commit) or status == "FINISHED":
        raise ValueError(f"resume={run_id}: that run is {status} with config_hash {tags.get('config_hash')} at "
                         f"commit {tags.get('git_commit')}; this configuration is config_hash {config_hash} at "
                         f"commit {git_commit}, and only an unfinished run of it can be resumed")
    last = last_checkpoint(Path(tags.get(CHECKPOINTS_TAG, "")))
    if last is None:
        raise ValueError(f"resume={run_id}: no complete checkpoint in {tags.get(CHECKPOINTS_TAG)!r} to resume from")
    return Interrupted(run, last)


def last_checkpoint(folder: Path) -> Path | None:
    """The latest epoch checkpoint in ``folder`` that training can continue from: one with the optimizer state
    (absent with ``trainer.save_only_model=true``) and a readable trainer state (written last, so absent or cut
    short when the process was killed while saving)."""
    found = sort_checkpoints(str(folder)) if folder.is_dir() else []
    return next((Path(c) for c in reversed(found)
                 if (Path(c) / OPTIMIZER_NAME).is_file() and _readable_json(Path(c) / TRAINER_STATE_NAME)), None)


def _readable_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True
