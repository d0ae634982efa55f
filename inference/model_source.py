"""Find the local model folder behind a local path or an MLflow model URI."""

from __future__ import annotations

from pathlib import Path

from inference.task_model import META_FILE


def find_model_dirs(root: Path) -> list[Path]:
    """The outermost folders under ``root`` (itself included) that hold a conflict-news model (an ensemble's
    members are inside it), sorted by path."""
    found = sorted(p.parent for p in root.rglob(META_FILE))
    return [d for d in found if not any(other != d and other in d.parents for other in found)]


def download_if_uri(uri_or_dir: str | Path) -> Path:
    """A local folder as is; an MLflow URI (``models:/...``, ``runs:/...``, ``scheme://...``) downloaded."""
    path = Path(uri_or_dir)
    if path.exists():
        return path
    if "://" not in str(uri_or_dir) and not str(uri_or_dir).startswith(("models:/", "runs:/")):
        raise FileNotFoundError(f"model {uri_or_dir!r}: no such folder, and not an MLflow URI")
    import mlflow  # only needed for URIs

    return Path(mlflow.artifacts.download_artifacts(artifact_uri=str(uri_or_dir)))


def local_model_dir(uri_or_dir: str | Path) -> Path:
    """A local folder holding exactly one conflict-news task model; MLflow URIs are downloaded first."""
    path = download_if_uri(uri_or_dir)
    dirs = find_model_dirs(path)
    if len(dirs) != 1:
        raise FileNotFoundError(f"model {uri_or_dir!r}: expected one folder with {META_FILE}, found {len(dirs)}")
    return dirs[0]
