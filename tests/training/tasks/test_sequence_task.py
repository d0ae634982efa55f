import pytest

from training.tasks import sequence

LABELS = ["KILL", "ARREST"]
FILLER = "the day passed in the old city . " * 6
SENTENCE = "police arrested two men ."
TEXT = FILLER + SENTENCE + " " + FILLER


def _doc(labels, spans=None):
    doc = {"id": "d1", "text": TEXT, "labels": labels}
    if spans is not None:
        doc["label_spans"] = spans
    return doc


def _targets(tokenizer, examples, multi_label=True):
    dataset, windows = sequence.encode(examples, tokenizer, LABELS, max_length=16, stride=4, multi_label=multi_label)
    return dataset["labels"], windows


def test_without_spans_every_window_carries_the_text_labels(tokenizer):
    targets, windows = _targets(tokenizer, [_doc(["ARREST"])])
    assert len(windows) > 4
    assert targets == [[0.0, 1.0]] * len(windows)


def test_with_spans_only_the_windows_holding_a_span_middle_are_positive(tokenizer):
    start = TEXT.index(SENTENCE)
    span = {"start": start, "end": start + len(SENTENCE), "labels": ["ARREST"]}
    targets, windows = _targets(tokenizer, [_doc(["ARREST"], [span])])
    middle = tokenizer(TEXT, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    mid_char = (span["start"] + span["end"]) // 2
    holding = [i for i, (s, n) in enumerate(zip(windows.starts, windows.lengths))
               if middle[s][0] <= mid_char < middle[s + n - 1][1]]
    assert holding and len(holding) < len(windows)
    assert [i for i, t in enumerate(targets) if t == [0.0, 1.0]] == holding
    assert all(t == [0.0, 0.0] for i, t in enumerate(targets) if i not in holding)


def test_an_unlabelled_text_with_spans_has_only_negative_windows(tokenizer):
    targets, _ = _targets(tokenizer, [_doc([], [])])
    assert all(t == [0.0, 0.0] for t in targets)


def test_spans_that_miss_a_label_of_the_text_are_an_error(tokenizer):
    start = TEXT.index(SENTENCE)
    span = {"start": start, "end": start + len(SENTENCE), "labels": ["ARREST"]}
    with pytest.raises(ValueError, match=r"d1: its windows hold labels \['ARREST'\].*KILL"):
        _targets(tokenizer, [_doc(["KILL", "ARREST"], [span])])


def test_spans_need_a_multi_label_task(tokenizer):
    with pytest.raises(ValueError, match="multi-label"):
        _targets(tokenizer, [_doc(["ARREST"], [])], multi_label=False)


def test_soft_targets_go_to_every_window_of_their_text(tokenizer):
    targets, windows = _targets(tokenizer, [{**_doc(["ARREST"]), "scores": [0.25, 0.75]}], multi_label=False)
    assert len(windows) > 4
    assert targets == [[0.25, 0.75]] * len(windows)


@pytest.mark.parametrize("examples, multi_label, match", [
    ([{**_doc(["ARREST"]), "scores": [0.25, 0.75]}], True, "d1: soft targets .* single-label"),
    ([{**_doc(["ARREST"]), "scores": [0.25, 0.75]}, {**_doc(["KILL"]), "id": "d2"}], False, "d2: no scores"),
    ([{**_doc(["ARREST"]), "scores": [1.0]}], False, "d1: 1 scores for 2 labels"),
])
def test_soft_targets_on_every_example_of_a_single_label_task_only(tokenizer, examples, multi_label, match):
    with pytest.raises(ValueError, match=match):
        _targets(tokenizer, examples, multi_label)
