import numpy as np
import pytest

from inference.ensemble_typer import EnsembleTyper
from inference.model_loading import load_task_model
from inference.model_source import local_model_dir
from inference.task_model import TaskMeta, TaskModel
from tests.conftest import TINY
from training.encoders import build_model

LABELS = ["AIR_STRIKE", "ARREST", "NO_EVENT"]


def _member(seed):
    import torch

    torch.manual_seed(seed)
    model, tok = build_model(TINY, "single_label", LABELS)
    return TaskModel(model, tok, TaskMeta("single_label", LABELS, 16, 4, pool="mean"), precision="fp32")


def test_weighted_mean_and_round_trip(tmp_path):
    a, b = _member(0), _member(1)
    ensemble = EnsembleTyper([a, b], [3, 1], TaskMeta("ensemble", LABELS, 16, 4))
    texts = ["Jets bombed the bridge.", "Police detained him."]
    expected = 0.75 * a.text_probs(texts) + 0.25 * b.text_probs(texts)
    assert np.allclose(ensemble.text_probs(texts), expected)
    folder = ensemble.save(tmp_path / "ensemble")
    assert local_model_dir(tmp_path) == folder  # the members inside do not count as models of their own
    loaded = load_task_model(folder, precision="fp32")
    assert isinstance(loaded, EnsembleTyper) and np.allclose(loaded.text_probs(texts), expected, atol=1e-6)


def test_members_must_share_labels():
    with pytest.raises(ValueError, match="labels differ"):
        EnsembleTyper([_member(0)], [1.0], TaskMeta("ensemble", ["A", "B", "C"], 16, 4))
