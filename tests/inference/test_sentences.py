from inference.sentences import split_clauses, split_sentences


def _pieces(text, spans):
    return [text[s:e] for s, e in spans]


def test_sentences_respect_abbreviations_initials_and_paragraphs():
    text = ("Gen. Ali Khan said the U.S. envoy arrived on Jan. 5. J. Smith agreed.\n\n"
            "Headline without a period\nRebels fled! \"We won.\" Then calm returned.")
    assert _pieces(text, split_sentences(text)) == [
        "Gen. Ali Khan said the U.S. envoy arrived on Jan. 5.", "J. Smith agreed.",
        "Headline without a period\nRebels fled!", "\"We won.\"", "Then calm returned."]


def test_no_text_is_lost_between_sentences():
    text = "  One.  Two?\tThree!\n\nFour  "
    spans = split_sentences(text)
    assert _pieces(text, spans) == ["One.", "Two?", "Three!", "Four"]
    assert all(not text[s:e][0].isspace() and not text[s:e][-1].isspace() for s, e in spans)


def test_lower_cased_text_is_split_too():
    text = "the army said three rebels died. gen. ortiz denied it. talks resume monday."
    assert _pieces(text, split_sentences(text)) == [
        "the army said three rebels died.", "gen. ortiz denied it.", "talks resume monday."]


def test_clauses_split_at_semicolons_and_conjunctions():
    text = "Rebels shelled the town; troops clashed with them near Idlib, and police arrested two men."
    assert _pieces(text, split_clauses(text, 0, len(text))) == [
        "Rebels shelled the town", "troops clashed with them near Idlib", "and police arrested two men."]
    assert split_clauses(text, 0, 23) == [(0, 23)]


def test_a_lower_cased_paragraph_under_a_cased_dateline_is_split():
    text = ("This story is from March 10, 2002\n\n"
            "lucknow: the committee sought a ban. holding a meeting, the UN envoy said so. mr. jilani agreed.")
    assert _pieces(text, split_sentences(text)) == [
        "This story is from March 10, 2002", "lucknow: the committee sought a ban.",
        "holding a meeting, the UN envoy said so.", "mr. jilani agreed."]
