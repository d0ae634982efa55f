"""Packaging refuses models given for the wrong task, naming the setting."""

import pytest
from hydra import compose, initialize_config_dir

from tests.conftest import CONF_DIR
from training.package import build_predictor


def test_swapped_models_are_refused_by_setting(tiny_predictor_dir):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("package", ["event_threshold=0.5"])
    entities, events = str(tiny_predictor_dir / "entities"), str(tiny_predictor_dir / "events")
    with pytest.raises(ValueError, match=rf"entity_model={events} holds a model with task=single_label; the "
                                         "entities need a token model"):
        build_predictor(cfg, events, events)
    with pytest.raises(ValueError, match=rf"event_model={entities} holds a model with task=token; the events need a "
                                         "single-label"):
        build_predictor(cfg, entities, entities)
    predictor, score = build_predictor(cfg, entities, events)
    assert predictor.tasks == ("entities", "events") and score is None
