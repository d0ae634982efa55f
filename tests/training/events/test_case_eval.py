import numpy as np
import pytest

from tests.conftest import PROJECT_ROOT
from training.events.case_eval import case_scores, restricted_predictions
from training.events.labels import LabelInfo, LabelSet, load_labels

LABEL_FILE = PROJECT_ROOT / "resources" / "acled" / "labels-v1.yaml"


def _label(name, event_type, subtask):
    return LabelInfo(name, event_type, subtask, "def", ("d",))


SMALL = LabelSet(1, (_label("ARMED_CLASH", "Battles", 1), _label("AIR_STRIKE", "Explosions/Remote violence", 1),
                     _label("ORG_CRIME", None, 2), _label("DIPLO", None, 3), _label("NO_EVENT", None, 0)))
MODEL_LABELS = ["ARMED_CLASH", "AIR_STRIKE", "ORG_CRIME", "DIPLO", "NO_EVENT"]


def test_predictions_are_restricted_to_the_subtask_labels():
    probs = np.array([[0.1, 0.2, 0.6, 0.0, 0.1]])
    assert restricted_predictions(probs, MODEL_LABELS, ["ARMED_CLASH", "AIR_STRIKE"]) == ["AIR_STRIKE"]
    with pytest.raises(ValueError, match="cannot predict"):
        restricted_predictions(probs, MODEL_LABELS, ["SEX_VIOL"])


def test_case_scores_by_hand():
    gold = ["ARMED_CLASH", "AIR_STRIKE", "ORG_CRIME", "DIPLO"]
    probs = np.array([[0.5, 0.1, 0.1, 0.1, 0.2],    # ARMED_CLASH everywhere
                      [0.4, 0.3, 0.0, 0.0, 0.3],    # ARMED_CLASH (wrong)
                      [0.1, 0.2, 0.6, 0.0, 0.1],    # subtask 2+: ORG_CRIME
                      [0.0, 0.1, 0.2, 0.3, 0.4]])   # NO_EVENT never predicted: DIPLO in subtask 3
    metrics, rows = case_scores(gold, probs, MODEL_LABELS, SMALL)
    assert metrics["subtask1.n"] == 2 and metrics["subtask1.f1_micro"] == pytest.approx(0.5)
    # subtask 1: ARMED_CLASH P=1/2 R=1 F1=2/3; AIR_STRIKE F1=0 → macro 1/3, weighted 1/3
    assert metrics["subtask1.f1_macro"] == pytest.approx(1 / 3)
    assert metrics["event_type.accuracy"] == pytest.approx(0.5)
    assert metrics["subtask3.n"] == 4 and metrics["subtask3.f1_micro"] == pytest.approx(0.75)
    assert rows[3] == {"subtask3": "DIPLO"} and rows[0]["subtask1"] == "ARMED_CLASH"


def test_the_project_label_file():
    labels = load_labels(LABEL_FILE)
    assert len(labels.up_to_subtask(1)) == 25 and len(labels.up_to_subtask(3)) == 30
    assert "NO_EVENT" in labels.names
    mapping = labels.event_types()
    assert mapping["REM_EXPLOS"] == "Explosions/Remote violence" and mapping["DIPLO"] is None
    assert all(len(info.descriptions) >= 4 for info in labels.labels)


def test_label_file_errors_name_the_label(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text("version: 1\nlabels:\n  ARREST: {event_type: Strategic developments, subtask: 1}\n")
    with pytest.raises(ValueError, match="label ARREST lacks"):
        load_labels(path)
