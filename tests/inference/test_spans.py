import itertools

import numpy as np
import pytest

from inference.spans import bio_spans, cut_spans, decode_tags, paragraph_starts, split_words, viterbi_tags


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


def test_paragraph_starts_are_the_words_after_a_blank_line():
    text = "Geneva\n\nKYIV, Ukraine\n(AP) said \r\n \r\nthen\n\t\nend"
    words = split_words(text)
    assert [text[s:e] for s, e in words] == ["Geneva", "KYIV", ",", "Ukraine", "(", "AP", ")", "said", "then", "end"]
    assert paragraph_starts(text, words) == {1, 8, 9}  # a single line break is no paragraph break
    assert paragraph_starts("", []) == set()


def test_cut_spans_splits_only_the_spans_that_cross_a_start():
    spans = [("LOC", 0, 2), ("ORG", 2, 5), ("PER", 6, 7)]
    assert cut_spans(spans, {1, 3, 4, 6}) == [("LOC", 0, 1), ("LOC", 1, 2), ("ORG", 2, 3), ("ORG", 3, 4),
                                              ("ORG", 4, 5), ("PER", 6, 7)]
    assert cut_spans(spans, set()) == spans


def test_combining_marks_stay_inside_their_word():
    text = "Cafe\u0301 in मुंबई, ok"  # decomposed é; Devanagari with vowel signs and anusvara
    words = [text[s:e] for s, e in split_words(text)]
    assert words == ["Cafe\u0301", "in", "मुंबई", ",", "ok"]


LABELS = ["O", "B-A", "I-A", "B-B", "I-B"]


def _valid(path: tuple[int, ...]) -> bool:
    tags = [LABELS[k] for k in path]
    return all(not tag.startswith("I-") or (i > 0 and tags[i - 1][2:] == tag[2:]) for i, tag in enumerate(tags))


@pytest.mark.parametrize("learned", [False, True])
def test_viterbi_finds_the_best_valid_sequence_with_or_without_learned_transitions(learned):
    rng = np.random.default_rng(0)
    for n_words in (1, 2, 3, 4):
        for _ in range(30):
            probs = rng.dirichlet(np.full(len(LABELS), 0.5), size=n_words)
            transitions = rng.normal(0, 2, (len(LABELS), len(LABELS))) if learned else np.zeros((5, 5))
            paths = [p for p in itertools.product(range(len(LABELS)), repeat=n_words) if _valid(p)]
            best = max(paths, key=lambda p: np.log(probs[np.arange(n_words), p]).sum()
                       + sum(transitions[a, b] for a, b in zip(p, p[1:])))
            assert tuple(decode_tags(probs, LABELS, "viterbi", transitions if learned else None)) == best


def test_learned_transitions_can_overrule_each_words_best_tag():
    probs = np.array([[0.1, 0.6, 0.1, 0.1, 0.1], [0.05, 0.1, 0.3, 0.5, 0.05]])  # B-A B-B: valid on its own
    assert list(viterbi_tags(probs, LABELS)) == [1, 3]
    transitions = np.zeros((5, 5))
    transitions[1, 3] = -5.0  # B-B right after B-A was never seen in training
    assert list(viterbi_tags(probs, LABELS, transitions)) == [1, 2]  # log .3 > log .5 - 5


def test_viterbi_keeps_a_valid_argmax_and_settles_stray_inside_tags_by_the_span():
    valid = np.array([[0.1, 0.7, 0.1, 0.05, 0.05], [0.1, 0.1, 0.6, 0.1, 0.1], [0.8, 0.05, 0.05, 0.05, 0.05]])
    assert list(viterbi_tags(valid, LABELS)) == list(valid.argmax(axis=1)) == [1, 2, 0]
    weak_start = np.array([[0.45, 0.4, 0.05, 0.05, 0.05], [0.1, 0.05, 0.8, 0.05, 0.0]])  # argmax: O I-A
    assert [LABELS[k] for k in decode_tags(weak_start, LABELS, "argmax")] == ["O", "I-A"]
    assert [LABELS[k] for k in decode_tags(weak_start, LABELS)] == ["B-A", "I-A"]  # 0.4 * 0.8 > 0.45 * 0.1
    weak_inside = np.array([[0.6, 0.3, 0.05, 0.05, 0.0], [0.4, 0.05, 0.5, 0.05, 0.0]])
    assert [LABELS[k] for k in decode_tags(weak_inside, LABELS)] == ["O", "O"]  # 0.6 * 0.4 > 0.3 * 0.5
    type_change = np.array([[0.0, 0.9, 0.0, 0.1, 0.0], [0.1, 0.0, 0.3, 0.0, 0.6]])  # argmax: B-A I-B
    assert [LABELS[k] for k in decode_tags(type_change, LABELS)] == ["B-A", "I-A"]
    assert len(viterbi_tags(np.zeros((0, len(LABELS))), LABELS)) == 0


def test_decoding_refuses_unknown_names_and_inside_tags_without_a_beginning():
    probs = np.full((2, len(LABELS)), 0.2)
    with pytest.raises(ValueError, match="decoding must be one of"):
        decode_tags(probs, LABELS, "greedy")
    with pytest.raises(ValueError, match=r"without B- tags for \['C'\]"):  # IOB1/IO labels: C could never be output
        viterbi_tags(np.full((2, 4), 0.25), ["O", "B-A", "I-A", "I-C"])
