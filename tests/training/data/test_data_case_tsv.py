import collections

import pytest

from training.data import case_tsv

HEADER = "id\tEventSnippet\tSubType\n"


@pytest.fixture
def case_cfg(make_cfg):
    return make_cfg(task="single_label", reader="case_tsv", labels=["ARREST", "DIPLO", "NO_EVENT"])


def test_reads_the_case_format(write, case_cfg):
    path = write("task2.tsv", HEADER + "7\tPolice detained the mayor.\tARREST\n\n8\tThe envoys met.\tDIPLO\n")
    assert case_tsv.read({"path": path}, case_cfg, collections.Counter()) == [
        {"id": "7", "text": "Police detained the mayor.", "labels": ["ARREST"]},
        {"id": "8", "text": "The envoys met.", "labels": ["DIPLO"]}]


@pytest.mark.parametrize("content, match, line", [
    ("id\tSnippet\tSubType\n1\tx\tARREST\n", "header must be", 1),
    (HEADER + "1\tx\tARREST\n2\tonly two\n", "expected 3 tab-separated columns", 3),
    (HEADER + "1\tx\tRIOT\n", "unknown label 'RIOT'", 2),
    (HEADER + "1\t \tARREST\n", "empty text", 2),
    (HEADER + "\tx\tARREST\n", "empty id", 2),
])
def test_errors_name_file_and_line(write, case_cfg, raises_at, content, match, line):
    path = write("task2.tsv", content)
    with raises_at(path, line, match):
        case_tsv.read({"path": path}, case_cfg, collections.Counter())


def test_label_file_is_read_once_per_file(write, make_cfg, monkeypatch):
    """Reading a file with ``labels: ${acled_labels:...}`` reads the label YAML once, not once per line."""
    from pathlib import Path

    from training import config  # noqa: F401  (registers ${acled_labels:...})
    from training.events import labels as label_module

    reads = []
    real = label_module.load_labels
    monkeypatch.setattr(label_module, "load_labels", lambda path: reads.append(path) or real(path))
    label_file = Path(__file__).resolve().parents[3] / "resources" / "acled" / "labels-v1.yaml"
    cfg = make_cfg(task="single_label", reader="case_tsv", label_file=str(label_file),
                   labels="${acled_labels:${.label_file}}")
    rows = "".join(f"{i}\tPolice detained protester {i}.\tARREST\n" for i in range(20))
    examples = case_tsv.read({"path": write("task2.tsv", HEADER + rows)}, cfg, collections.Counter())
    assert len(examples) == 20 and len(reads) == 1
