import numpy as np
import pytest

from training.events.threshold import event_type_decisions, tune_event_threshold

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
