import numpy as np
import pytest

from training.events.threshold import event_type_decisions, tune_anchor_threshold, tune_event_threshold

LABELS = ["ARMED_CLASH", "AIR_STRIKE", "DIPLO", "NO_EVENT"]
TYPES = {"ARMED_CLASH": "Battles", "AIR_STRIKE": "Explosions/Remote violence", "DIPLO": None, "NO_EVENT": None}


def test_decisions_follow_the_predictor_rules():
    probs = np.array([[0.40, 0.30, 0.10, 0.20],   # two types above 0.25
                      [0.30, 0.05, 0.05, 0.60]])  # best label NO_EVENT: nothing
    assert event_type_decisions(probs, LABELS, TYPES, "NO_EVENT", 0.25) == [
        ["Battles", "Explosions/Remote violence"], []]
    assert event_type_decisions(probs, LABELS, TYPES, "NO_EVENT", 0.35) == [["Battles"], []]


def test_tuned_threshold_separates_true_from_false_events():
    probs = np.array([[0.45, 0.20, 0.05, 0.30],   # a clash, diffuse
                      [0.10, 0.50, 0.05, 0.35],   # an air strike
                      [0.30, 0.05, 0.45, 0.20],   # diplomacy with some clash mass
                      [0.25, 0.05, 0.05, 0.65]])  # no event
    threshold, f1 = tune_event_threshold(probs, ["ARMED_CLASH", "AIR_STRIKE", "DIPLO", "NO_EVENT"], LABELS, TYPES,
                                         "NO_EVENT")
    assert f1 == pytest.approx(1.0)
    assert 0.30 < threshold <= 0.45  # above the diplomacy row's clash mass, at or below the true clash


def test_anchor_threshold_keeps_the_anchors_that_pay():
    event_types = {"ARMED_CLASH": "Battles", "AIR_STRIKE": "Explosions/Remote violence", "DIPLO": None}
    gold = [[(0, 6, "ARMED_CLASH")], [], [(10, 16, "AIR_STRIKE")]]
    anchors = [[{"start": 0, "end": 6, "label": "ARMED_CLASH", "score": 0.9}],
               [{"start": 3, "end": 9, "label": "AIR_STRIKE", "score": 0.4}],  # a false event, kept only below 0.4
               [{"start": 10, "end": 16, "label": "AIR_STRIKE", "score": 0.6},
                {"start": 0, "end": 4, "label": "DIPLO", "score": 0.99}]]  # not an ACLED type: never scored
    threshold, f1 = tune_anchor_threshold(anchors, gold, event_types)
    assert f1 == 1.0 and threshold == 0.6  # every cut in (0.4, 0.6] is perfect; ties go to the highest
