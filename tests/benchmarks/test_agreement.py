"""Agreement between two annotations of the same texts."""

import pytest

from benchmarks.agreement import event_agreement, kappa
from tests.conftest import PROJECT_ROOT

DATA = PROJECT_ROOT.parent / "shared" / "data"
REALNEWS = PROJECT_ROOT / "resources" / "acled" / "realnews-v1"


def test_kappa_corrects_for_chance():
    assert kappa([True, False, True, False], [True, False, True, False]) == 1.0
    assert kappa([True, True, False, False], [True, False, True, False]) == 0.0  # agreement at chance level


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_the_committed_second_annotation_agrees_as_the_data_card_says():
    row = event_agreement(REALNEWS / "dev.jsonl", REALNEWS / "dev_second.jsonl", DATA)
    assert row["texts"] == 150 and row["event_type_f1"] == pytest.approx(0.913, abs=5e-4)
