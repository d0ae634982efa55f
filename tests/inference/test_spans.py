from inference.spans import bio_spans, split_words


def test_split_words_keeps_offsets_on_unicode_and_whitespace():
    text = "Le général\tPetraeus a visité Kyiv’s\n«centre» U.S.-led"
    spans = split_words(text)
    words = [text[s:e] for s, e in spans]
    assert words == ["Le", "général", "Petraeus", "a", "visité", "Kyiv’s", "«", "centre", "»", "U.S", ".", "-",
                     "led"]


def test_bio_spans_follow_seqeval_conventions():
    tags = ["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-ORG", "I-PER", "B-ORG", "B-ORG"]
    assert bio_spans(tags) == [("PER", 0, 2), ("LOC", 3, 5), ("ORG", 5, 6), ("PER", 6, 7), ("ORG", 7, 8),
                               ("ORG", 8, 9)]
    assert bio_spans([]) == []


def test_combining_marks_stay_inside_their_word():
    text = "Cafe\u0301 in मुंबई, ok"  # decomposed é; Devanagari with vowel signs and anusvara
    words = [text[s:e] for s, e in split_words(text)]
    assert words == ["Cafe\u0301", "in", "मुंबई", ",", "ok"]
