"""Where a name starts and ends in the seed schema (OntoNotes conventions), so that the predictor's entities, the
silver training targets (``training.jobs.silver``) and every system scored by ``benchmarks.entities`` follow one
rule.

A name never starts or ends with whitespace, a control or format character (NUL, zero-width space, soft hyphen,
byte-order mark) or U+FFFD; and it leaves out a leading ``the``, a trailing possessive (``'s``, ``’s`` or its
mojibake ``â€™s``), what follows a spaced en or em dash (``Kabul — Reuters``: a dateline and its credit), and, in
cased text, a leading lower-case direction (``southern``, ``north of``) or a trailing lower-case description
(``fighters``, ``group``, ``village``) next to the capitalised name.
"""

from __future__ import annotations

import re
import unicodedata

DETERMINER = re.compile(r"the\s+", re.IGNORECASE)
POSSESSIVE = re.compile(r"(?:''|['’]|â€™)s?$")  # â€™: the mojibake of ’ in IndiaPoliceEvents
DASH = re.compile(r"\s+[–—]\s+")
DIRECTION = re.compile(r"(?:north|south|east|west|northern|southern|eastern|western|central|north-?eastern|"
                       r"north-?western|south-?eastern|south-?western|northeast|northwest|southeast|southwest)"
                       r"(?:\s+of)?\s+(?=[A-Z])")
DESCRIPTIONS = frozenset("""
fighters militants rebels cadres forces troops soldiers members supporters activists operatives group faction gang
organisation organization side village town city district province region area tehsil sector forest media
opposition government regime community
""".split())
TRAILING_WORD = re.compile(r"\s+([a-z]+)$")


def visible(char: str) -> bool:
    """False for whitespace, control and format characters and U+FFFD (the replacement character)."""
    return not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf") or char == "\ufffd")


def visible_bounds(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` without invisible characters at either end (``visible``); None when nothing is left."""
    while start < end and not visible(text[start]):
        start += 1
    while end > start and not visible(text[end - 1]):
        end -= 1
    return (start, end) if start < end else None


def name_bounds(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span ``text[start:end]`` trimmed to the name it holds (see the module docstring); None when no
    visible character is left."""
    bounds = visible_bounds(text, start, end)
    if bounds is None:
        return None
    start, end = bounds
    if dash := DASH.search(text, start, end):
        start, end = visible_bounds(text, start, dash.start()) or (start, end)
    determiner = DETERMINER.match(text, start, end)
    if determiner and determiner.end() < end:
        start = determiner.end()
    direction = DIRECTION.match(text, start, end)
    if direction and direction.end() < end:
        start = direction.end()
    while text[start].isupper() and (word := TRAILING_WORD.search(text, start, end)) and word[1] in DESCRIPTIONS:
        end = word.start()
    possessive = POSSESSIVE.search(text, start, end)
    if possessive and possessive.start() > start:
        end = possessive.start()
    return visible_bounds(text, start, end)
