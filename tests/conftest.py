"""Shared fixtures: the MiniLM tokenizer, tiny random models, and an isolated MLflow store."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest
from omegaconf import OmegaConf
from transformers import AutoTokenizer

from training.encoders import build_model, minilm_path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = PROJECT_ROOT / "conf"
TINY = OmegaConf.load(CONF_DIR / "model" / "tiny.yaml")


@pytest.fixture(scope="session")
def tokenizer():
    return AutoTokenizer.from_pretrained(minilm_path())


@pytest.fixture
def tiny_model():
    """``make(task, labels)`` → (model, tokenizer): a randomly initialised tiny BERT."""

    def make(task: str, labels: list[str]):
        return build_model(TINY, task, labels)

    return make


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch):
    """A fresh SQLite tracking store in tmp_path; the working directory moves there too."""
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    yield uri
    if mlflow.active_run():
        mlflow.end_run()
