"""Event anchors decided on event types, with the sub-type of most probability."""

import numpy as np

from inference.anchors import anchors, group_matrix
from inference.task_model import Decisions, TaskMeta

LABELS = ["O", "B-AIR_STRIKE", "I-AIR_STRIKE", "B-ART_MISS_ATTACK", "I-ART_MISS_ATTACK", "B-DIPLO", "I-DIPLO"]
GROUPS = {"AIR_STRIKE": "Explosions/Remote violence", "ART_MISS_ATTACK": "Explosions/Remote violence",
          "DIPLO": "DIPLO"}


class Split(Decisions):
    """Each word's probabilities: 'shelled' splits its mass between two sub-types of one type, both below O."""

    meta = TaskMeta("token", LABELS, max_length=16, stride=4)

    def word_probs(self, words_batch):
        rows = {"shelled": [0.4, 0.35, 0, 0.25, 0, 0, 0], "heavily": [0.4, 0, 0.1, 0, 0.5, 0, 0],
                "talks": [0.2, 0, 0, 0, 0, 0.8, 0]}
        return [np.array([rows.get(w, [1, 0, 0, 0, 0, 0, 0]) for w in words]) for words in words_batch]

    def text_probs(self, texts):
        raise AssertionError


def test_group_matrix_sums_sub_types_into_their_type():
    tags, matrix = group_matrix(LABELS, GROUPS)
    assert tags == ["O", "B-Explosions/Remote violence", "I-Explosions/Remote violence", "B-DIPLO", "I-DIPLO"]
    assert matrix.sum(axis=1).tolist() == [1] * len(LABELS) and matrix[3, 1] == 1 and matrix[4, 2] == 1


def test_sub_types_of_one_type_share_their_evidence():
    text = "Guns shelled heavily; talks began."
    (found,) = anchors(Split(), [text], GROUPS)
    # per sub-type, O wins on both words; summed per type, 'shelled heavily' is one Explosions anchor, and its
    # sub-type is the one with most probability over its words (0.35 + 0.1 against 0.25 + 0.5)
    assert [(text[a["start"]:a["end"]], a["group"], a["label"]) for a in found] == [
        ("shelled heavily", "Explosions/Remote violence", "ART_MISS_ATTACK"), ("talks", "DIPLO", "DIPLO")]
    assert found[0]["score"] == 0.6
