"""Sentence and clause spans with character offsets into the original text."""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset("""
mr mrs ms dr prof gen lt col maj capt cpt sgt cpl adm brig cmdr gov sen rep pres st mt ft jr sr rev hon
jan feb mar apr jun jul aug sep sept oct nov dec vs etc inc ltd co corp dept est approx fig al
""".split())
NUMBER_ABBREVIATIONS = frozenset({"no", "nos"})  # abbreviations only before a number: "No. 4 Brigade"
# a candidate boundary: end punctuation (plus closing quotes/brackets), then whitespace
BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n")
FOLLOWING = re.compile(r"\s+(\S)")
LAST_WORD = re.compile(r"(\w+(?:\.\w+)*)\.$")
# a clause break: a semicolon, or a comma before a conjunction that opens a new clause
CLAUSE = re.compile(r"\s*;\s+|,\s+(?=(?:and|but|while|whereas|before|after|then)\s)")


def _is_abbreviation(text: str, end: int, following: str) -> bool:
    """True when the period ending at ``end`` closes an abbreviation or an initial (``Gen.``, ``U.S.``, ``J.``)."""
    if text[end - 1] != ".":
        return False
    start = max(text.rfind(" ", 0, end - 1), text.rfind("\n", 0, end - 1), text.rfind("\t", 0, end - 1)) + 1
    word = LAST_WORD.search(text, start, end)
    if word is None:
        return False
    token = word.group(1).lower()
    if token in NUMBER_ABBREVIATIONS:
        return following.isdigit()
    return token in ABBREVIATIONS or "." in token or (len(token) == 1 and token.isalpha())


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence, whitespace trimmed; blank lines always end a sentence.

    A period ends a sentence unless it closes a known abbreviation or an initial, or the next word starts
    in lower case. Case is ignored in a paragraph where no candidate sentence end is followed by an upper-case
    letter: lower-cased text, such as the body of a lower-cased wire story under a cased dateline.
    """
    cuts = {0, len(text)}
    for match in PARAGRAPH.finditer(text):
        cuts.update(match.span())
    paragraphs = sorted(cuts)
    for start, end in zip(paragraphs, paragraphs[1:]):
        cuts.update(_sentence_ends(text, start, end))
    bounds = sorted(cuts)
    spans = (_trim(text, a, b) for a, b in zip(bounds, bounds[1:]))
    return [span for span in spans if span is not None]


def _sentence_ends(text: str, start: int, end: int) -> list[int]:
    """Offsets where a sentence ends inside the paragraph ``text[start:end]``."""
    candidates = []
    for match in BOUNDARY.finditer(text, start, end):
        following = FOLLOWING.match(text, match.end(), end)
        if following is not None:
            candidates.append((match, following.group(1)))
    cased = any(first.isupper() for _, first in candidates)
    return [match.end() for match, first in candidates
            if not (cased and first.islower())
            and not _is_abbreviation(text, match.start() + len(match.group(0).rstrip("\"'”’)]")), first)]


def split_clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clauses of the sentence ``text[start:end]``, cut at semicolons and at a comma before a conjunction
    (``, and``, ``, while`` ...); the separator belongs to neither side. No cue: the sentence is one clause."""
    spans, begin = [], start
    for match in CLAUSE.finditer(text, start, end):
        spans.append(_trim(text, begin, match.start()))
        begin = match.end()
    spans.append(_trim(text, begin, end))
    return [span for span in spans if span is not None]
