"""Scoring event output against the team's real-news annotations: type + overlapping anchor."""

import pytest

from training.events.realnews import article_scores, matches, sentence_scores, typed

TYPES = ["Battles", "Riots"]


def test_matches_pair_each_gold_event_once_by_type_and_overlap():
    gold = [(0, 10, "Battles"), (20, 30, "Riots")]
    predicted = [(5, 9, "Battles"), (0, 3, "Battles"), (20, 25, "Battles"), (30, 40, "Riots")]
    # the largest overlap wins; a wrong type or a span that only touches is no match
    assert matches(gold, predicted) == [(0, 0)]


def test_sentence_scores_count_mentions_and_quiet_sentences():
    gold = [[(0, 10, "Battles")], [], [], [(0, 4, "Riots"), (10, 15, "Riots")]]
    predicted = [[(2, 6, "Battles")], [(0, 3, "Riots")], [], [(0, 15, "Riots")]]
    scores = sentence_scores(gold, predicted, TYPES)
    assert (scores["precision"], scores["recall"]) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert scores["Battles.f1"] == 1.0 and scores["Riots.f1"] == pytest.approx(0.5)
    assert scores["no_event_kept"] == 0.5  # one of the two eventless sentences got an event


def test_article_scores_find_an_event_through_any_of_its_mentions():
    gold = [[(0, 5, "Battles", 1), (40, 45, "Battles", 1), (60, 70, "Riots", 2)]]
    predicted = [[(41, 43, "Battles"), (42, 44, "Battles"), (100, 110, "Riots")]]
    scores = article_scores(gold, predicted)
    assert scores["recall"] == 0.5 and scores["gold"] == 2  # event 1 found (second mention), event 2 missed
    assert scores["precision"] == pytest.approx(2 / 3)  # both Battles outputs overlap a gold mention


def test_typed_maps_labels_and_drops_the_untyped():
    assert typed([(0, 3, "ARMED_CLASH", 1), (4, 8, "DIPLO", 2)], {"ARMED_CLASH": "Battles"}.get) == [
        (0, 3, "Battles", 1)]
