"""End to end with model=tiny: train a few steps per task type, check the MLflow run, evaluate the model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import datasets
import mlflow
import numpy as np
import pandas as pd
import pytest
import torch
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient
from safetensors import safe_open

from inference.spans import viterbi_tags
from inference.task_model import META_FILE, TaskModel
from inference.word_shapes import LOWER, MIXED, N_SHAPES, TITLE, UPPER
from tests.conftest import CONF_DIR
from training.data import LoadedData, load_splits, with_dev_in_train
from training.jobs.evaluate import evaluate
from training.modeling.crf import PARAMETER, CrfTrainer, crf_loss
from training.modeling.loss import weighted_cross_entropy
from training.tasks import token
from training.tasks.token import trainer_metrics
from training.tracking.mlflow import MlflowMetricsCallback
from training.train import train

CONLL = "Rebels\tB-Organisation\nattacked\tO\nAleppo\tB-Location\n.\tO\n\nJohn\tB-Person\nKerry\tI-Person\nspoke\tO\n"
CAMEO = ("Troops shelled the town.\t4\nThe minister praised the deal.\t1\nThey signed an accord.\t2\n"
         "Officials condemned the move.\t3\nThe president said nothing.\t0\n")
SATP = ("Militants shot dead two policemen.\t1\t0\t0\t0\nAn IED exploded near a market.\t0\t1\t0\t0\n"
        "Gunmen abducted a trader and shot him.\t1\t0\t1\t0\n")


def _compose(config: str, overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name=config, overrides=overrides)


def _write(tmp_path: Path, name: str, text: str, crlf: bool = False) -> str:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode() if crlf else text.encode())
    return str(path)


CASES = {
    "token": ("re3d", "f1_micro", lambda d: {"train": _write(d, "train.txt", CONLL * 3, crlf=True),
                                            "dev": _write(d, "dev.txt", CONLL, crlf=True)}),
    "single_label": ("cameo_class", "f1_macro", lambda d: {"train": _write(d, "train.tsv", CAMEO * 4)}),
    "multi_label": ("satp", "example_f1", lambda d: {"train": _write(d, "train.tsv", SATP * 3),
                                                     "dev": _write(d, "dev.tsv", SATP)}),
}


@pytest.mark.parametrize("task", list(CASES))
def test_train_logs_a_complete_run_and_evaluates(task, tmp_path, mlflow_store):
    data, primary, write = CASES[task]
    files = write(tmp_path)
    overrides = [f"data={data}", "model=tiny", "trainer.max_steps=2", "trainer.num_train_epochs=1",
                 "trainer.per_device_train_batch_size=4", f"paths.output_dir={tmp_path / 'out'}",
                 f"data.train.path={files['train']}", "precision=fp32"]
    if "dev" in files:
        overrides.append(f"data.dev.path={files['dev']}")
    cfg = _compose("train", overrides)
    score = train(cfg)
    assert 0.0 <= score <= 1.0

    client = MlflowClient()
    experiment = client.get_experiment_by_name(data)
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.tags["dataset"] == data and run.data.tags["task"] == task
    assert run.data.tags["git_commit"]
    assert run.data.params["model.name"] == "tiny"
    assert run.data.params["trainer.max_steps"] == "2"
    compared_by = "dev_thresholds.held_out" if task == "multi_label" else f"dev_{primary}"  # not in-sample cuts
    assert run.data.metrics[compared_by] == pytest.approx(score)
    assert train(cfg) == pytest.approx(score)  # skipped as finished: the same score for a sweep
    history = client.get_metric_history(run.info.run_id, f"epoch_dev_{primary}")
    assert len(history) >= 1
    assert client.get_metric_history(run.info.run_id, "train_loss")
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"config.yaml", "reports"} <= artifacts
    reports = {a.path.removeprefix("reports/") for a in client.list_artifacts(run.info.run_id, "reports")}
    dev_predictions = "dev_predictions.conll" if task == "token" else "dev_predictions.jsonl"
    assert {"dev_report.json", dev_predictions} <= reports
    written = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id,
                                                       artifact_path=f"reports/{dev_predictions}"))
    dev_rows = written.read_text().split("\n\n" if task == "token" else "\n")
    assert len([row for row in dev_rows if row.strip()]) == len(load_splits(cfg.data).splits["dev"])
    if task == "multi_label":  # thresholds: kept at 0.5 unless tuning beats it on unseen dev folds
        evidence = {k: v for k, v in run.data.metrics.items() if k.startswith("dev_thresholds.")}
        assert set(evidence) == {f"dev_thresholds.{k}" for k in ("at_0.5", "crossfit", "tuned", "held_out")}
        cuts = mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/reports/thresholds.json")
        kept = evidence["dev_thresholds.crossfit"] > evidence["dev_thresholds.at_0.5"]
        assert evidence["dev_thresholds.tuned"] == float(kept)
        held_out = evidence["dev_thresholds.crossfit" if kept else "dev_thresholds.at_0.5"]
        assert evidence["dev_thresholds.held_out"] == held_out
        if not kept:
            assert set(cuts.values()) == {0.5}
            assert run.data.metrics["dev_example_f1"] == pytest.approx(evidence["dev_thresholds.at_0.5"])
    figures = {a.path.removeprefix("figures/") for a in client.list_artifacts(run.info.run_id, "figures")}
    expected = {"training_curves.png", "per_label_f1.png", "confusion_matrix.png"}
    assert figures == (expected | {"pr_curves.png"} if task == "multi_label" else expected)
    assert run.data.metrics["epoch_time_mean_s"] > 0
    inputs = {d.dataset.name: d for d in run.inputs.dataset_inputs}
    assert {f"{data}.train", f"{data}.dev"} <= set(inputs)
    assert inputs[f"{data}.train"].dataset.digest

    model_uri = run.data.tags["model_uri"]
    loaded = mlflow.pyfunc.load_model(model_uri)
    out = loaded.predict(pd.DataFrame({"text": ["Rebels attacked Aleppo.", ""]}))
    assert len(out) == 2
    assert loaded.metadata.get_input_schema().input_names() == ["text"]

    test_path = files.get("dev", files["train"])
    eval_cfg = _compose("evaluate", [f"data={data}", f"data.test_path={test_path}", f"model_uri={model_uri}",
                                     f"output_dir={tmp_path / 'eval'}", "precision=fp32"])
    metrics = evaluate(eval_cfg)
    written = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert written["metrics"][primary] == pytest.approx(metrics[primary])
    predictions = list((tmp_path / "eval").glob("predictions.*"))
    assert len(predictions) == 1 and predictions[0].stat().st_size > 0
    model_id = model_uri.removeprefix("models:/")
    assert f"test_{primary}" in {m.key for m in mlflow.get_logged_model(model_id).metrics}


@pytest.mark.parametrize("task", ["token", "multi_label"])
def test_a_final_fit_trains_on_train_and_dev_and_logs_no_dev_score(task, tmp_path, mlflow_store, capsys):
    data, primary, write = CASES[task]
    files = write(tmp_path)
    cfg = _compose("train", [f"data={data}", "model=tiny", "trainer.max_steps=2", "trainer.num_train_epochs=1",
                             f"paths.output_dir={tmp_path / 'out'}", f"data.train.path={files['train']}",
                             f"data.dev.path={files['dev']}", "precision=fp32", "refit=true"])
    assert np.isnan(train(cfg))
    assert "this run has no dev score" in capsys.readouterr().out
    assert np.isnan(train(cfg))  # skipped as finished, still without a score
    assert "(a final fit: no dev score)" in capsys.readouterr().out

    client = MlflowClient()
    (run,) = client.search_runs([client.get_experiment_by_name(data).experiment_id])
    assert run.info.status == "FINISHED" and "-refit-" in run.info.run_name
    assert run.data.tags["approach"] == "final_fit"  # not the latest fine_tune run an event ensemble takes
    assert not [k for k in run.data.metrics if k.startswith(("dev_", "epoch_dev_"))]
    assert client.get_metric_history(run.info.run_id, "train_loss")
    splits = load_splits(cfg.data).splits
    assert int(run.data.params["windows.train"]) == len(splits["train"]) + len(splits["dev"])  # one window each
    assert "windows.dev" not in run.data.params
    (dataset,) = run.inputs.dataset_inputs
    assert dataset.dataset.name == f"{data}.train+dev"
    assert dataset.dataset.source.count(str(tmp_path)) == 2  # both files named
    assert TaskModel.load(run.data.tags["model_dir"]).meta.thresholds == {}  # multi-label: cuts at 0.5


def test_a_final_fit_refuses_splits_with_different_fields():  # soft targets in train only, as acled_distill
    splits = datasets.DatasetDict({
        "train": datasets.Dataset.from_list([{"id": "a", "text": "x", "labels": [], "scores": [0.9, 0.1]}]),
        "dev": datasets.Dataset.from_list([{"id": "b", "text": "y", "labels": ["ARMED_CLASH"]}])})
    data = LoadedData(splits, {}, {"train": "train.jsonl", "dev": "dev.jsonl"})
    with pytest.raises(ValueError, match=r"refit=true: train \(.*train.jsonl\) has the fields .*'scores'"):
        with_dev_in_train(data)


def test_class_weights_weigh_rare_tags_up_and_refuse_multi_label(tmp_path, mlflow_store, monkeypatch):
    calls = []

    def counting(weights):
        loss = weighted_cross_entropy(weights)
        return lambda *args, **kwargs: calls.append(1) or loss(*args, **kwargs)

    monkeypatch.setattr("training.modeling.fit.weighted_cross_entropy", counting)
    files = CASES["token"][2](tmp_path)
    cfg = _compose("train", ["data=re3d", "model=tiny", "trainer.max_steps=2", "trainer.num_train_epochs=1",
                             f"paths.output_dir={tmp_path / 'out'}", f"data.train.path={files['train']}",
                             f"data.dev.path={files['dev']}", "precision=fp32", "class_weights=sqrt_inverse"])
    train(cfg)
    (run,) = MlflowClient().search_runs([mlflow.get_experiment_by_name("re3d").experiment_id])
    weights = mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/reports/class_weights.json")
    assert weights["B-Organisation"] > weights["O"]  # 3 of the 21 word targets against 9
    assert weights["B-Weapon"] == 1.0  # no target in train
    assert calls  # the Trainer computed its loss with the weights

    _assert_refused_for_multi_label(tmp_path, "class_weights=sqrt_inverse", "multi_label")


def test_word_shapes_reach_the_trained_tagger_and_refuse_text_tasks(tmp_path, mlflow_store):
    files = CASES["token"][2](tmp_path)
    cfg = _compose("train", ["data=re3d", "model=tiny", "trainer.max_steps=3", "trainer.num_train_epochs=1",
                             "trainer.learning_rate=1e-2", f"paths.output_dir={tmp_path / 'out'}",
                             f"data.train.path={files['train']}", f"data.dev.path={files['dev']}", "precision=fp32",
                             "mlflow.log_model=false", "word_shapes=true"])
    train(cfg)
    model = TaskModel.load(tmp_path / "out" / "model", precision="fp32")
    assert model.meta.word_shapes and model.model.config.type_vocab_size == N_SHAPES
    rows = model.model.bert.embeddings.token_type_embeddings.weight.detach()
    # the data has Title-case and lower-case words but no all-caps ones: only the used rows learned something
    assert not torch.equal(rows[TITLE], rows[LOWER])
    assert torch.equal(rows[UPPER], rows[MIXED])

    _assert_refused_for_multi_label(tmp_path, "word_shapes=true", "word_shapes=true applies to token tasks only")


def test_the_decoding_is_stored_with_the_tagger_and_evaluation_can_override_it(tmp_path, mlflow_store,
                                                                              monkeypatch):
    chosen_with = []

    def spy(examples, windows, labels, decoding, transitions):
        chosen_with.append(decoding)
        return trainer_metrics(examples, windows, labels, decoding, transitions)

    monkeypatch.setattr(token, "trainer_metrics", spy)
    files = CASES["token"][2](tmp_path)
    cfg = _compose("train", ["data=re3d", "model=tiny", "trainer.max_steps=2", "trainer.num_train_epochs=1",
                             f"paths.output_dir={tmp_path / 'out'}", f"data.train.path={files['train']}",
                             f"data.dev.path={files['dev']}", "precision=fp32", "mlflow.log_model=false",
                             "decoding=argmax"])
    train(cfg)
    assert chosen_with == ["argmax"]  # the best epoch is chosen by the configured decoding
    argmax_dir = tmp_path / "out" / "model"
    assert TaskModel.load(argmax_dir).meta.decoding == "argmax"
    viterbi_dir = shutil.copytree(argmax_dir, tmp_path / "viterbi")
    meta = json.loads((viterbi_dir / META_FILE).read_text())
    (viterbi_dir / META_FILE).write_text(json.dumps({**meta, "decoding": "viterbi"}))

    def evaluate_with(*overrides: str) -> dict:
        evaluate(_compose("evaluate", ["data=re3d", f"data.test_path={files['dev']}", f"output_dir={tmp_path / 'e'}",
                                       "precision=fp32", *overrides]))
        return json.loads((tmp_path / "e" / "metrics.json").read_text())

    assert evaluate_with(f"model_uri={argmax_dir}")["decoding"] == "argmax"
    written = evaluate_with(f"model_uri={argmax_dir}", "decoding=viterbi")
    assert written["decoding"] == "viterbi" and written["decoding_overridden"] is True
    rows = [line.split("\t") for line in (tmp_path / "e" / "predictions.conll").read_text().splitlines()]
    predicted = [row[2] if row != [""] else "O" for row in rows]
    assert predicted and all(not tag.startswith("I-") or before[2:] == tag[2:]
                             for before, tag in zip(["O", *predicted], predicted))
    with pytest.raises(ValueError, match="share their task, labels, decoding"):
        evaluate_with(f"model_uri=[{argmax_dir},{viterbi_dir}]")
    mixed = evaluate_with(f"model_uri=[{argmax_dir},{viterbi_dir}]", "decoding=viterbi")  # members made alike
    assert mixed["decoding"] == "viterbi" and mixed["decoding_overridden"] is True
    with pytest.raises(ValueError, match="decoding=viterbi applies to token models only"):
        evaluate(_compose("evaluate", ["data=satp", "data.test_path=unread.tsv", f"model_uri={argmax_dir}",
                                       "decoding=viterbi"]))

    _assert_refused_for_multi_label(tmp_path, "decoding=argmax", "decoding=argmax applies to token tasks only")


def test_a_crf_tagger_learns_transitions_at_their_own_rate_and_decodes_with_them(tmp_path, mlflow_store,
                                                                                 monkeypatch):
    groups = []
    create = CrfTrainer.create_optimizer

    def spy(self, model=None):
        optimizer = create(self, model)
        groups.append([(g.get("name"), g["lr"], g["weight_decay"], len(g["params"])) for g in optimizer.param_groups])
        return optimizer

    monkeypatch.setattr(CrfTrainer, "create_optimizer", spy)
    added = []
    monkeypatch.setattr("training.modeling.fit.crf_loss", lambda transitions, plus: added.append(plus) or crf_loss(
        transitions, plus))
    files = CASES["token"][2](tmp_path)
    cfg = _compose("train", ["data=re3d", "model=tiny", "trainer.max_steps=3", "trainer.num_train_epochs=1",
                             "trainer.warmup_steps=0", f"paths.output_dir={tmp_path / 'out'}",
                             f"data.train.path={files['train']}", f"data.dev.path={files['dev']}", "precision=fp32",
                             "mlflow.log_model=false", "crf=true", "crf_learning_rate=0.05", "keep_checkpoints=true",
                             "class_weights=sqrt_inverse"])
    train(cfg)
    assert added and added[0] is not None  # the class-weighted cross-entropy goes with the CRF's likelihood
    assert groups and groups[0][-1] == ("crf_transitions", 0.05, 0.0, 1)  # one group of its own, no decay
    assert all(name is None for name, *_ in groups[0][:-1])
    model_dir = tmp_path / "out" / "model"
    model = TaskModel.load(model_dir, precision="fp32")
    transitions = np.array(model.meta.transitions)
    assert transitions.shape == (len(model.meta.labels),) * 2 and np.abs(transitions).max() > 0.01
    assert json.loads((model_dir / META_FILE).read_text())["schema_version"] == 5
    assert PARAMETER not in safe_open(str(model_dir / "model.safetensors"), "pt").keys()  # a plain HF folder
    (checkpoint,) = (tmp_path / "out" / "checkpoints").iterdir()
    with safe_open(str(checkpoint / "model.safetensors"), "pt") as saved:  # a resumed run goes on from them
        assert np.allclose(saved.get_tensor(PARAMETER).numpy(), transitions)

    words = [["Rebels", "attacked", "Aleppo", "."]]
    probs = model.word_probs(words)[0]
    labels = model.meta.labels
    expected = [labels[k] for k in viterbi_tags(probs, labels, transitions)]
    assert [tag for tag, _ in model.tag_words(words)[0]] == expected

    _assert_refused_for_multi_label(tmp_path, "crf=true", "crf=true applies to token tasks only")


def _assert_refused_for_multi_label(tmp_path: Path, override: str, match: str) -> None:
    """``override`` on a multi-label dataset raises ``match`` before any MLflow run is opened."""
    files = CASES["multi_label"][2](tmp_path)
    cfg = _compose("train", ["data=satp", "model=tiny", "trainer.max_steps=2", f"paths.output_dir={tmp_path / 'm'}",
                             f"data.train.path={files['train']}", f"data.dev.path={files['dev']}", override])
    with pytest.raises(ValueError, match=match):
        train(cfg)
    assert mlflow.get_experiment_by_name("satp") is None


def test_an_interrupted_run_resumes_from_its_last_epoch_checkpoint(tmp_path, mlflow_store, monkeypatch):
    class StopAfterFirstSave(MlflowMetricsCallback):
        def on_save(self, args, state, control, **kwargs):
            raise KeyboardInterrupt("stopped after the first epoch checkpoint")

    files = CASES["token"][2](tmp_path)
    overrides = ["data=re3d", "model=tiny", "trainer.num_train_epochs=3", "trainer.per_device_train_batch_size=4",
                 f"data.train.path={files['train']}", f"data.dev.path={files['dev']}", "precision=fp32"]
    monkeypatch.setattr("training.modeling.fit.MlflowMetricsCallback", StopAfterFirstSave)
    for attempt in ("first", "second"):  # resume=false: a new run, though the first one could be resumed
        with pytest.raises(KeyboardInterrupt):
            train(_compose("train", [*overrides, f"paths.output_dir={tmp_path / attempt}", "resume=false"]))
    client = MlflowClient()
    experiment_id = client.get_experiment_by_name("re3d").experiment_id
    second, first = client.search_runs([experiment_id], order_by=["attributes.start_time DESC"])
    assert first.info.status == second.info.status == "KILLED"
    (checkpoint,) = (tmp_path / "second" / "checkpoints").iterdir()  # after epoch 1: checkpoint-<its steps>
    assert (checkpoint / "optimizer.pt").is_file()
    steps = int(checkpoint.name.removeprefix("checkpoint-"))

    monkeypatch.setattr("training.modeling.fit.MlflowMetricsCallback", MlflowMetricsCallback)
    train(_compose("train", [*overrides, f"paths.output_dir={tmp_path / 'third'}"]))
    runs = {run.info.run_id: run for run in client.search_runs([experiment_id])}
    assert len(runs) == 2 and runs[first.info.run_id].info.status == "KILLED"
    resumed = runs[second.info.run_id]  # the latest interrupted run, continued
    assert resumed.info.status == "FINISHED" and resumed.data.tags["resumed_from"] == checkpoint.name
    epochs = client.get_metric_history(resumed.info.run_id, "epoch_time_s")
    assert sorted(m.step for m in epochs) == [steps, 2 * steps, 3 * steps]  # epoch 1 was not trained again
    assert resumed.data.metrics["train_runtime_s"] >= sum(m.value for m in epochs)  # earlier epochs counted
    assert (tmp_path / "third" / "model").is_dir() and not (tmp_path / "second" / "checkpoints").exists()
    artifacts = {a.path for a in client.list_artifacts(resumed.info.run_id)}
    assert {"config.yaml", "config_resumed.yaml"} <= artifacts  # the params keep the first attempt's paths
    assert resumed.data.params["paths.output_dir"] == str(tmp_path / "second")
    assert {d.dataset.name for d in resumed.inputs.dataset_inputs} == {"re3d.train", "re3d.dev"}
    assert "data_stats.train.examples" in resumed.data.params

    train(_compose("train", [*overrides, f"paths.output_dir={tmp_path / 'fourth'}", "force=true"]))
    runs = {run.info.run_id: run.info.status for run in client.search_runs([experiment_id])}
    assert len(runs) == 3 and runs[first.info.run_id] == "KILLED"  # force trains afresh, resuming nothing
