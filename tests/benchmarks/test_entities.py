"""The seed-schema entity benchmark: the hand annotations, their checks, span trimming, scoring and the run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import mlflow
import pytest
from hydra import compose, initialize_config_dir

from benchmarks.entities import SEED_LABELS, GoldText, benchmark, evaluate, read_gold, score
from benchmarks.tables import spread
from tests.conftest import PROJECT_ROOT

DATA = PROJECT_ROOT.parent / "shared" / "data"
ANNOTATIONS = PROJECT_ROOT / "benchmarks" / "seed_entities" / "annotations.jsonl"
TEXT = "Rebels of the Free Army shelled Idlib on Monday."


def write_data(root: Path, entities: list, sha1: str | None = None) -> Path:
    """A JSON-lines data file with TEXT on line 2 and an annotation file pointing at it; returns the latter."""
    (root / "docs.jsonl").write_text(json.dumps({"t": "other"}) + "\n" + json.dumps({"t": TEXT}) + "\n",
                                     encoding="utf-8")
    record = {"path": "docs.jsonl", "line": 2, "field": "t",
              "sha1": sha1 or hashlib.sha1(TEXT.encode()).hexdigest(), "entities": entities}
    path = root / "annotations.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


GOOD = [[14, 23, "ORG", "Free Army"], [32, 37, "LOC", "Idlib"], [41, 47, "TIME", "Monday"]]


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_the_committed_annotations_match_the_data():
    gold = read_gold(ANNOTATIONS, DATA)
    assert len(gold) == 13 and sum(len(g.entities) for g in gold) == 252
    assert {label for g in gold for _, _, label in g.entities} == set(SEED_LABELS)
    assert gold[0].source == "india_police_events/docs.jsonl:914" and gold[0].text.startswith("himmatnagar:")


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_the_committed_cased_annotations_match_the_data():
    gold = read_gold(PROJECT_ROOT / "benchmarks" / "cased_entities" / "annotations.jsonl", DATA)
    assert len(gold) == 308 and sum(len(g.entities) for g in gold) == 1733
    assert {g.source.split("/")[0] for g in gold} == {"satp_relevant", "re3d", "cameo"}


def test_read_gold_resolves_the_text_and_its_spans(tmp_path):
    (gold,) = read_gold(write_data(tmp_path, GOOD), tmp_path)
    assert gold.text == TEXT and gold.source == "docs.jsonl:2"
    assert gold.entities == {(14, 23, "ORG"), (32, 37, "LOC"), (41, 47, "TIME")}


@pytest.mark.parametrize("entities, sha1, message", [
    (GOOD, "0" * 40, r"annotations.jsonl:1: field sha1 does not match the text at docs.jsonl:2"),
    ([[14, 22, "ORG", "Free Army"]], None, r"annotations.jsonl:1: entities\[0\] \[14, 22\) reads 'Free Arm'"),
    ([[32, 37, "GPE", "Idlib"]], None, r"annotations.jsonl:1: entities\[0\] has label 'GPE'"),
    ([[14, 23, "ORG", "Free Army"], [19, 23, "ORG", "Army"]], None, r"annotations.jsonl:1: entities overlap"),
    ([[14, 23, "ORG"]], None, r"annotations.jsonl:1: entities\[0\] is \[14, 23, 'ORG'\], not \[start, end"),
    ([[5, 5, "ORG", ""]], None, r"entities\[0\] offsets \[5, 5\) are not a non-empty span of the text \(48"),
    ([[-6, -1, "LOC", "Idlib"]], None, r"entities\[0\] offsets \[-6, -1\)"),
    ([["14", 23, "ORG", "Free Army"]], None, r"entities\[0\] offsets \['14', 23\)"),
    (5, None, r"annotations.jsonl:1: field 'entities' must be a list, got 5"),
])
def test_bad_annotations_name_the_line_and_field(tmp_path, entities, sha1, message):
    with pytest.raises(ValueError, match=message):
        read_gold(write_data(tmp_path, entities, sha1), tmp_path)


def rewrite(annotations: Path, **changes) -> Path:
    """The annotation file with fields of its one record changed (``None``: removed)."""
    record = {**json.loads(annotations.read_text()), **changes}
    annotations.write_text(json.dumps({k: v for k, v in record.items() if v is not None}) + "\n")
    return annotations


@pytest.mark.parametrize("changes, message", [
    ({"sha1": None}, r"annotations.jsonl:1: field 'sha1' must be a str, got None"),
    ({"line": 3}, r"annotations.jsonl:1: field 'line' 3 is outside .*docs.jsonl \(2 lines\)"),
    ({"field": "text"}, r"annotations.jsonl:1: .*docs.jsonl:2 has no field 'text'"),
    ({"column": 0}, r"annotations.jsonl:1: give exactly one of 'field'"),
])
def test_bad_locations_name_the_annotation_and_the_data_line(tmp_path, changes, message):
    with pytest.raises(ValueError, match=message):
        read_gold(rewrite(write_data(tmp_path, GOOD), **changes), tmp_path)


def test_bad_data_lines_and_empty_files_are_errors(tmp_path):
    annotations = write_data(tmp_path, GOOD)
    (tmp_path / "docs.jsonl").write_text('{"t": "other"}\n[1, 2]\n')
    with pytest.raises(ValueError, match=r"annotations.jsonl:1: .*docs.jsonl:2 has no field 't'"):
        read_gold(annotations, tmp_path)
    (tmp_path / "docs.jsonl").write_text('{"t": "other"}\nnot json\n')
    with pytest.raises(ValueError, match=r"annotations.jsonl:1: .*docs.jsonl:2 is not a JSON line"):
        read_gold(annotations, tmp_path)
    annotations.write_text("")
    with pytest.raises(ValueError, match=r"annotations.jsonl: no annotation records"):
        read_gold(annotations, tmp_path)


def test_a_tsv_text_is_a_column_of_a_crlf_line(tmp_path):
    (tmp_path / "dev.tsv").write_text(f"first\t0\r\n{TEXT}\t1\r\n", encoding="utf-8", newline="")
    annotations = write_data(tmp_path, GOOD)
    rewrite(annotations, path="dev.tsv", field=None, column=0)
    (gold,) = read_gold(annotations, tmp_path)
    assert gold.text == TEXT and gold.source == "dev.tsv:2" and len(gold.entities) == 3
    rewrite(annotations, column=2)
    with pytest.raises(ValueError, match=r"field 'column' 2 is outside .*dev.tsv:2 \(2 columns\)"):
        read_gold(annotations, tmp_path)


def test_a_missing_data_file_names_the_annotation_line(tmp_path):
    annotations = write_data(tmp_path, GOOD)
    (tmp_path / "docs.jsonl").unlink()
    with pytest.raises(FileNotFoundError, match=r"annotations.jsonl:1: path 'docs.jsonl' is not a file"):
        read_gold(annotations, tmp_path)


def test_score_counts_exact_spans_of_the_right_type():
    gold = [frozenset({(0, 5, "ORG"), (10, 15, "LOC")}), frozenset({(0, 4, "PER")})]
    predicted = [[(0, 5, "ORG"), (10, 15, "ORG")], [(0, 3, "PER")]]  # one hit, a wrong type, a wrong span
    result = score(gold, predicted)
    assert (result["precision"], result["recall"]) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert result["ORG.f1"] == pytest.approx(2 / 3) and result["LOC.f1"] == 0 and result["PER.f1"] == 0
    assert (result["gold"], result["predicted"]) == (3, 3)


def test_benchmark_scores_predictors_logs_and_summarises_seeds(tmp_path, mlflow_store, tiny_predictor_dir):
    annotations = write_data(tmp_path, GOOD)
    overrides = [f"annotations.cased={annotations}", "~annotations.seed", f"paths.data_dir={tmp_path}", "spacy_model=null",
                 f"model_uris=[{tiny_predictor_dir},{tiny_predictor_dir}]"]
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        cfg = compose("entities", overrides)
    report = benchmark(cfg, tmp_path / "out")
    rows = [line.split(" | ")[0] for line in report.splitlines() if line.startswith("| ")]
    assert rows == ["| system", "| predictor mean", "| predictor std", "| predictor-1", "| predictor-2"]
    assert "| predictor std | 0.000 | 0.000 | 0.000 |" in report  # the same predictor twice
    assert report.splitlines()[2] == ("| system | P | R | F1 | ORG P / R / F1 | LOC P / R / F1 | PER P / R / F1 | "
                                      "NORP P / R / F1 | TIME P / R / F1 | docs.jsonl |")
    (run,) = mlflow.search_runs(experiment_names=["benchmark-entities"], output_format="list")
    assert run.data.params["cased.gold_entities"] == "3" and "cased.predictor-1.f1" in run.data.metrics
    predictions = json.loads((tmp_path / "out" / "predictions-cased.json").read_text())
    assert predictions["texts"] == ["docs.jsonl:2"] and len(predictions["predictor-2"]) == 1


def test_spread_is_the_mean_and_sample_std():
    rows = spread([{"f1": 0.4, "gold": 10}, {"f1": 0.5, "gold": 10}, {"f1": 0.9, "gold": 10}], "predictor")
    assert rows["predictor mean"] == {"f1": pytest.approx(0.6), "gold": 10}
    assert rows["predictor std"]["f1"] == pytest.approx(0.264575, abs=1e-6)  # ddof=1; ddof=0 gives 0.216


def test_evaluate_scores_per_source_and_checks_the_result_count():
    gold = [GoldText("a/x.jsonl:1", "Idlib", frozenset({(0, 5, "LOC")})),
            GoldText("b/y.tsv:3", "the Army", frozenset({(4, 8, "ORG")}))]
    scores, predictions = evaluate({"s": lambda texts: [[(0, 5, "LOC")], [(0, 8, "ORG")]]}, gold)
    assert predictions["s"][1] == [(4, 8, "ORG")]  # "the" trimmed
    assert (scores["s"]["f1"], scores["s"]["a.f1"], scores["s"]["b.f1"]) == (1.0, 1.0, 1.0)
    scores, _ = evaluate({"s": lambda texts: [[(0, 5, "LOC")], []]}, gold)
    assert (scores["s"]["a.f1"], scores["s"]["b.f1"]) == (1.0, 0.0)
    with pytest.raises(ValueError, match="system 's' returned 1 results for 2 texts"):
        evaluate({"s": lambda texts: [[]]}, gold)


def test_benchmark_needs_a_system(tmp_path, mlflow_store):
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "benchmarks" / "conf"), version_base="1.3"):
        cfg = compose("entities", [f"annotations.cased={write_data(tmp_path, GOOD)}", "~annotations.seed",
                                   f"paths.data_dir={tmp_path}",
                                   "spacy_model=null", "model_uris=[]"])
    with pytest.raises(ValueError, match="nothing to score"):
        benchmark(cfg, tmp_path / "out")
