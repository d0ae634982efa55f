"""Shared fixtures: the MiniLM tokenizer, tiny random models, and an isolated MLflow store."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest
from omegaconf import OmegaConf
from transformers import AutoTokenizer

from training.modeling.encoders import build_model, minilm_path

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


ENTITY_LABELS = ["O", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-PER", "I-PER"]
EVENT_TYPES = {"ARMED_CLASH": "Battles", "AIR_STRIKE": "Explosions/Remote violence", "PEACE_PROTEST": "Protests",
               "ARREST": "Strategic developments", "DIPLO": None}


@pytest.fixture(scope="session")
def tiny_predictor():
    """A Predictor over two random tiny models, with a low event threshold so that events appear."""
    from inference.predictor import Predictor, PredictorConfig
    from inference.task_model import TaskMeta, TaskModel
    from transformers import set_seed

    set_seed(0)
    model, tok = build_model(TINY, "token", ENTITY_LABELS)
    entities = TaskModel(model, tok, TaskMeta("token", ENTITY_LABELS, max_length=16, stride=4), precision="fp32")
    labels = [*EVENT_TYPES, "NO_EVENT"]
    model, tok = build_model(TINY, "single_label", labels)
    events = TaskModel(model, tok, TaskMeta("single_label", labels, max_length=16, stride=4, pool="mean"),
                       precision="fp32")
    return Predictor(entities, events, PredictorConfig(event_types=EVENT_TYPES, event_threshold=0.15))


@pytest.fixture(scope="session")
def tiny_predictor_dir(tiny_predictor, tmp_path_factory):
    return tiny_predictor.save(tmp_path_factory.mktemp("predictor") / "predictor")
