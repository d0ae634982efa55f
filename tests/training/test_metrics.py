import numpy as np
import pytest

from training.metrics import (example_based_f1, multi_label_metrics, single_label_metrics, token_metrics,
                              tune_thresholds)


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


def test_tune_thresholds_picks_the_best_cut_per_label():
    probs = np.array([[0.9, 0.30], [0.8, 0.25], [0.2, 0.10], [0.6, 0.35]])
    gold = np.array([[1, 1], [1, 1], [0, 0], [0, 1]], dtype=bool)
    thresholds = tune_thresholds(probs, gold, ["a", "b"])
    assert 0.6 < thresholds["a"] <= 0.8  # separates 0.6 (neg) from 0.8 (pos)
    assert 0.1 < thresholds["b"] <= 0.25
