import json

import pytest
from hydra import compose, initialize_config_dir

from tests.conftest import CONF_DIR, PROJECT_ROOT
from training.events.false_events import false_events

DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_false_event_rates_on_held_apart_text(tiny_predictor_dir, tmp_path, mlflow_store):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("false_events", [f"model_uri={tiny_predictor_dir}", f"output_dir={tmp_path / 'out'}",
                                       "precision=fp32"])
    metrics = false_events(cfg)
    assert metrics["cameo_statements.texts"] == 240 + 248  # every "make a statement" and "verbal cooperation" row
    assert metrics["muc_no_incident.texts"] == 200 - 116  # MUC dev documents without an incident template
    for name in ("cameo_statements", "muc_no_incident"):
        assert 0 <= metrics[f"{name}.text_false_event_rate"] <= 1
        flagged = (tmp_path / "out" / f"flagged_{name}.jsonl").read_text().splitlines()
        assert len(flagged) == round(metrics[f"{name}.text_false_event_rate"] * metrics[f"{name}.texts"])
        assert all(json.loads(line)["events"] for line in flagged)
