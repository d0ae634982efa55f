"""Name boundaries of the seed schema, shared by the predictor, silver targets and the entity benchmark."""

import pytest

from inference.names import name_bounds, visible_bounds


@pytest.mark.parametrize("span, name", [
    ("Hezbollah fighters", "Hezbollah"),
    ("Baitullah Mehsud group", "Baitullah Mehsud"),
    ("southern Syria", "Syria"),
    ("south of Aleppo", "Aleppo"),
    ("KABUL — Reuters", "KABUL"),
    ("Assad’s", "Assad"),
    ("Free Syrian Army's", "Free Syrian Army"),
    ("the Islamic State", "Islamic State"),
    ("\u200bSaraqeb\u00ad\ufeff", "Saraqeb"),
    ("Syrian Democratic Forces", "Syrian Democratic Forces"),  # capitalised: part of the name
    ("Jammu Srinagar highway", "Jammu Srinagar highway"),      # not a description word
    ("islamic state group", "islamic state group"),            # lower-cased text: no case to go by
    ("al - Qaida", "al - Qaida"),                              # a spaced hyphen is not a dash
])
def test_name_bounds_keep_the_name_alone(span, name):
    text = f"x {span} y"
    start, end = name_bounds(text, 2, 2 + len(span))
    assert text[start:end] == name


def test_a_span_of_invisible_characters_is_no_name():
    text = "a \x00\u200b\ufffd b"
    assert visible_bounds(text, 2, 5) is None and name_bounds(text, 1, 6) is None
