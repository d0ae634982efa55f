"""Distillation: soft targets from a teacher typer, written as acled_distill's files and trained on."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from inference.task_model import TaskMeta, TaskModel
from tests.conftest import CONF_DIR, TINY
from training.data import load_splits
from training.events.distill import build, soft_records
from training.modeling import fit
from training.modeling.encoders import build_model
from training.modeling.loss import soft_cross_entropy
from training.train import train

SNIPPETS = ("id\tEventSnippet\tSubType\n1\tPolice arrested the mayor.\tARREST\n"
            "2\tThe envoys met in Doha.\tDIPLO\n3\tThe market was quiet.\tNO_EVENT\n")
SATP = "Militants shot dead two policemen. An IED went off.\t1\t0\t0\t0\nGunmen abducted a trader.\t0\t0\t1\t0\n"


def test_soft_records_mix_the_gold_label_in_and_otherwise_take_the_best_one():
    labels = ["A", "B", "C"]
    probs = np.array([[0.2, 0.6, 0.2], [0.1, 0.1, 0.8]])
    gold = soft_records(["x", "y"], ["t1", "t2"], probs, labels, gold=["A", "A"], hard_weight=0.5)
    assert gold[0] == {"id": "x", "text": "t1", "labels": ["A"], "scores": {"A": 0.6, "B": 0.3, "C": 0.1}}
    assert gold[1]["scores"] == {"A": 0.55, "B": 0.05, "C": 0.4}
    teacher = soft_records(["x", "y"], ["t1", "t2"], probs / 3, labels)  # rows are renormalised
    assert [r["labels"] for r in teacher] == [["B"], ["C"]]
    assert teacher[0]["scores"] == pytest.approx({"A": 0.2, "B": 0.6, "C": 0.2})
    thirds = soft_records(["z"], ["t"], np.array([[1.0, 1.0, 1.0]]), labels)[0]["scores"]
    assert sum(thirds.values()) == pytest.approx(1, abs=1e-9)
    for row in np.random.default_rng(0).dirichlet([0.01, 1, 1], size=200):  # gold "A" often near 0
        scores = soft_records(["z"], ["t"], row[None, :], labels, gold=["A"], hard_weight=0.0)[0]["scores"]
        assert min(scores.values()) >= 0 and sum(scores.values()) == pytest.approx(1, abs=1e-6)


def test_build_writes_what_acled_distill_trains_on(tmp_path, mlflow_store, monkeypatch):
    (tmp_path / "snippets.tsv").write_text(SNIPPETS)
    (tmp_path / "satp.tsv").write_text(SATP)
    out = tmp_path / "distill"
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        probe = compose("distill")
        labels = list(probe.gold.labels)
        model, tok = build_model(TINY, "single_label", labels)
        teacher = TaskModel(model, tok, TaskMeta("single_label", labels, max_length=16, stride=4, pool="mean"),
                            precision="fp32").save(tmp_path / "teacher")
        paths = [f"gold.train.path={tmp_path / 'snippets.tsv'}", f"gold.dev.path={tmp_path / 'snippets.tsv'}",
                 "~data@sources.ipe_sents", f"sources.satp.train.path={tmp_path / 'satp.tsv'}",
                 f"sources.satp.dev.path={tmp_path / 'satp.tsv'}"]
        cfg = compose("distill", [f"teacher={teacher}", *paths, f"out_dir={out}"])
        train_cfg = compose("train", ["experiment=acled_distill", "model=tiny", "trainer.max_steps=2",
                                      "trainer.num_train_epochs=1", f"data.train.path={out / 'train.jsonl'}",
                                      f"data.dev.path={out / 'dev.jsonl'}", f"paths.output_dir={tmp_path / 'run'}"])
        bad = compose("distill", [f"teacher={teacher}", *paths, "hard_weight=1.5"])
        model, tok = build_model(TINY, "multi_label", labels)
        tagger = TaskModel(model, tok, TaskMeta("multi_label", labels, max_length=16, stride=4),
                           precision="fp32").save(tmp_path / "multi")
        multi_label = compose("distill", [f"teacher={tagger}", *paths])
        no_source = compose("distill", [f"teacher={teacher}", *paths[:3], "~data@sources.satp"])
    card = build(cfg)
    assert (card["gold_snippets"], card["source_sentences"], card["dev_snippets"]) == (3, {"satp": 3}, 3)
    assert sum(card["source_best_labels"].values()) == 3
    assert json.loads((out / "card.json").read_text()) == card

    splits = load_splits(train_cfg.data).splits
    assert len(splits["train"]) == 6 and "scores" not in splits["dev"].column_names
    first = splits["train"][0]
    assert first["labels"] == ["ARREST"] and first["scores"][labels.index("ARREST")] >= 0.5
    assert sorted(splits["train"]["text"][3:]) == ["An IED went off.", "Gunmen abducted a trader.",
                                                   "Militants shot dead two policemen."]
    assert all(sum(row) == pytest.approx(1, abs=1e-3) for row in splits["train"]["scores"])

    calls = []

    def spy(outputs, labels, num_items_in_batch=None):
        calls.append(labels.dim())
        return soft_cross_entropy(outputs, labels, num_items_in_batch)

    monkeypatch.setattr(fit, "soft_cross_entropy", spy)
    train(train_cfg)
    assert calls[0] == 2 and set(calls) == {1, 2}  # soft targets in training, label ids on dev
    run = mlflow.search_runs(experiment_names=["acled_distill"], output_format="list")[0]
    assert run.data.params["data_stats.train.scored"] == "6"
    assert np.isfinite(run.data.metrics["train_loss"]) and "dev_f1_macro" in run.data.metrics
    with pytest.raises(ValueError, match="hard_weight must be in"):
        build(bad)
    with pytest.raises(ValueError, match="a multi_label model; the teacher must be a single-label typer"):
        build(multi_label)
    with pytest.raises(ValueError, match="at least one source"):
        build(no_source)


def test_class_weights_refuse_soft_targets(tmp_path, mlflow_store):
    out = tmp_path / "data"
    out.mkdir()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("train", ["experiment=acled_distill", "model=tiny", "trainer.max_steps=1",
                                "class_weights=sqrt_inverse", f"data.train.path={out / 'train.jsonl'}",
                                f"data.dev.path={out / 'dev.jsonl'}", f"paths.output_dir={tmp_path / 'run'}"])
    labels = list(cfg.data.labels)
    records = soft_records(["a", "b"], ["Police arrested him.", "They met."], np.full((2, len(labels)), 1.0),
                           labels, ["ARREST", "DIPLO"], 0.5)
    (out / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (out / "dev.jsonl").write_text(json.dumps({"id": "d", "text": "Troops left.", "labels": ["NO_EVENT"]}) + "\n")
    with pytest.raises(ValueError, match="soft targets"):
        train(cfg)
