import numpy as np
import pytest

from training.modeling.metrics import (choose_thresholds, crossfit_example_f1, example_based_f1, multi_label_metrics,
                                       single_label_metrics, token_metrics, tune_thresholds)


def test_token_metrics_by_hand():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O"]]
    metrics, report = token_metrics(gold, pred)
    # gold entities: PER, LOC, ORG (3); predicted: PER, ORG, ORG (3); correct: PER, ORG (2)
    assert metrics["f1_micro"] == pytest.approx(2 / 3)
    # per type F1: PER 1, LOC 0, ORG 2*(1/2*1)/(1/2+1) = 2/3
    assert metrics["f1_macro"] == pytest.approx((1 + 0 + 2 / 3) / 3)
    assert metrics["ORG.precision"] == pytest.approx(0.5)
    assert metrics["LOC.recall"] == 0.0
    assert report["PER"]["support"] == 1


def test_single_label_metrics_by_hand():
    gold = ["a", "a", "b", "c"]
    pred = ["a", "b", "b", "c"]
    metrics, _ = single_label_metrics(gold, pred, ["a", "b", "c"])
    assert metrics["accuracy"] == pytest.approx(0.75)
    # F1: a = 2/3 (P 1, R .5), b = 2/3 (P .5, R 1), c = 1
    assert metrics["f1_macro"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert metrics["f1_weighted"] == pytest.approx((2 * 2 / 3 + 2 / 3 + 1) / 4)
    assert metrics["f1_micro"] == pytest.approx(0.75)


def test_example_based_f1_skips_examples_empty_on_both_sides():
    gold = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0]], dtype=bool)
    pred = np.array([[1, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    # example 1: 2*1/3; example 2 skipped; example 3: 0; example 4: 0 (predicted but gold empty)
    assert example_based_f1(gold, pred) == pytest.approx((2 / 3 + 0 + 0) / 3)
    empty = np.zeros((2, 3), dtype=bool)
    assert example_based_f1(empty, empty) == 1.0


def test_multi_label_metrics():
    metrics, report = multi_label_metrics([["x", "y"], [], ["x"]], [["x"], [], ["x", "y"]], ["x", "y"])
    assert metrics["example_f1"] == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert metrics["x.f1"] == 1.0 and metrics["y.f1"] == 0.0
    assert metrics["f1_macro"] == pytest.approx(0.5)
    assert metrics["exact_match"] == pytest.approx(1 / 3)


def test_tune_thresholds_separate_each_labels_positives_from_its_negatives():
    probs = np.array([[0.9, 0.30], [0.8, 0.25], [0.2, 0.10], [0.6, 0.35]])
    gold = np.array([[1, 1], [1, 1], [0, 0], [0, 1]], dtype=bool)
    thresholds = tune_thresholds(probs, gold, ["a", "b"])
    assert 0.6 < thresholds["a"] <= 0.8  # separates 0.6 (neg) from 0.8 (pos)
    assert 0.1 < thresholds["b"] <= 0.25


def test_tune_thresholds_maximises_example_f1_not_each_labels_f1():
    # a at 0.4 would raise a's own F1 (0 -> 0.5) but lowers example F1 (0.889 -> 0.778): a stays at 0.5
    probs = np.array([[0.40, 0.9], [0.45, 0.9], [0.45, 0.9]])
    gold = np.array([[1, 1], [0, 1], [0, 1]], dtype=bool)
    assert tune_thresholds(probs, gold, ["a", "b"]) == {"a": 0.5, "b": 0.5}


def _shifted(rng, n, shift):
    """Two labels whose positives score 0.5 + shift on average: a shift below 0 calls for lower cuts."""
    gold = rng.random((n, 2)) < 0.4
    probs = np.clip(np.where(gold, 0.5 + shift, 0.5 + shift - 0.3) + rng.normal(0, 0.08, (n, 2)), 0, 1)
    return probs, gold


def test_choose_thresholds_keeps_tuning_only_when_it_holds_on_unseen_folds():
    rng = np.random.default_rng(0)
    probs, gold = _shifted(rng, 300, -0.2)  # calibrated too low: lower cuts help on every fold
    thresholds, evidence = choose_thresholds(probs, gold, ["a", "b"])
    assert evidence["tuned"] == 1.0 and evidence["crossfit"] > evidence["at_0.5"] + 0.1
    assert evidence["held_out"] == evidence["crossfit"]  # the tuned cuts, scored where they were not chosen
    assert all(cut < 0.5 for cut in thresholds.values())
    assert crossfit_example_f1(probs, gold, ["a", "b"]) == evidence["crossfit"]

    rng = np.random.default_rng(0)
    gold = rng.random((40, 3)) < 0.4  # calibrated around 0.5, small dev: in-sample tuning only fits noise
    probs = np.clip(np.where(gold, 0.7, 0.3) + rng.normal(0, 0.15, (40, 3)), 0, 1)
    in_sample = tune_thresholds(probs, gold, ["a", "b", "c"])
    thresholds, evidence = choose_thresholds(probs, gold, ["a", "b", "c"])
    assert example_based_f1(gold, probs >= np.array(list(in_sample.values()))) > evidence["at_0.5"] + 0.05
    assert evidence["tuned"] == 0.0 and evidence["crossfit"] < evidence["at_0.5"]
    assert evidence["held_out"] == evidence["at_0.5"]
    assert thresholds == {"a": 0.5, "b": 0.5, "c": 0.5}
