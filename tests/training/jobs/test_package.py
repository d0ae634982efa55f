"""Packaging refuses models given for the wrong task, naming the setting."""

import pytest
from hydra import compose, initialize_config_dir

from inference.predictor import Predictor
from tests.conftest import CONF_DIR
from training.jobs.package import build_predictor


def test_swapped_models_are_refused_by_setting(tiny_predictor_dir):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("package", ["event_threshold=0.5"])
    entities, events = str(tiny_predictor_dir / "entities"), str(tiny_predictor_dir / "events")
    with pytest.raises(ValueError, match=rf"entity_model={events}: the entities need a token model \(an entity "
                                         r"tagger\), not a model with task=single_label"):
        build_predictor(cfg, events, events)
    with pytest.raises(ValueError, match=rf"event_model={entities}: event model labels \['LOC', 'ORG', 'PER'\] have "
                                         "no event type"):
        build_predictor(cfg, entities, entities)  # a token model is taken as an anchor tagger: its types must be events
    predictor, score = build_predictor(cfg, entities, events)
    assert predictor.tasks == ("entities", "events") and score is None
    with pytest.raises(ValueError, match=r"a predictor: the entities need a token model \(an entity tagger\), not a "
                                         "model with task=single_label"):
        Predictor(predictor.events, None, predictor.config)  # the predictor applies the same rule itself
