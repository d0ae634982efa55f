"""Seed ensembles: the mean of the members' probabilities, decided as one model's would be (0.5 cuts for
multi-label), scored, and saved and logged as one model."""

from __future__ import annotations

import json

import mlflow
import pandas as pd
import pytest
import torch
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient

from inference.ensemble import Ensemble
from inference.task_model import TaskMeta, TaskModel
from tests.conftest import CONF_DIR
from training.data import label_list, read_file
from training.jobs.evaluate import evaluate
from training.jobs.seed_ensemble import build_seed_ensemble, ensemble_evaluation, member_uris
from training.tasks import sequence, token
from training.tracking.seed_summary import summarize

LABELS = ["calm", "clash", "protest"]
TEXTS = [{"id": str(i), "text": text, "labels": ["clash"]}
         for i, text in enumerate(["Troops shelled the town.", "Rebels attacked a convoy near the border."])]


def _leaning(tiny_model, task: str, labels: list[str], bias: dict[str, float]) -> TaskModel:
    """A tiny model whose classifier is pushed towards the labels in ``bias`` whatever the input."""
    model, tok = tiny_model(task, labels)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([bias.get(label, 0.0) for label in labels]))
    return TaskModel(model, tok, TaskMeta(task, labels, max_length=16, stride=4, pool="mean"), precision="fp32")


def test_the_mean_probability_decides_not_a_single_member(tiny_model):
    sure = _leaning(tiny_model, "single_label", LABELS, {"clash": 6.0})  # p(clash) ~ 0.995
    unsure = _leaning(tiny_model, "single_label", LABELS, {"protest": 2.0})  # p(protest) ~ 0.79
    assert sequence.evaluate(unsure, TEXTS).metrics["accuracy"] == 0.0
    for members in ([sure, unsure], [unsure, sure]):  # the mean favours clash (0.55 against 0.40) in any order
        assert ensemble_evaluation(members, TEXTS).metrics["accuracy"] == 1.0
    assert ensemble_evaluation([unsure, unsure], TEXTS).metrics["accuracy"] == 0.0


def test_an_ensemble_of_one_model_twice_scores_as_that_model(tiny_model):
    torch.manual_seed(0)
    tags = ["O", "B-LOC", "I-LOC"]
    model, tok = tiny_model("token", tags)
    tagger = TaskModel(model, tok, TaskMeta("token", tags, max_length=8, stride=2), precision="fp32")
    words = [{"id": "0", "tokens": "Rebels attacked the town of Idlib on Monday .".split(),
              "tags": ["O", "O", "O", "O", "O", "B-LOC", "O", "O", "O"]},
             {"id": "1", "tokens": ["Aleppo", "was", "calm"], "tags": ["B-LOC", "O", "O"]}]
    ensemble = ensemble_evaluation([tagger, tagger], words)
    assert ensemble.metrics == token.evaluate(tagger, words).metrics
    assert ensemble.predictions == token.evaluate(tagger, words).predictions

    multi = _leaning(tiny_model, "multi_label", LABELS, {"calm": -3.0, "clash": 3.0, "protest": -3.0})
    multi.meta.thresholds = {"calm": 0.5, "clash": 0.9, "protest": 0.5}  # its own cut would miss clash (0.95)
    assert sequence.evaluate(multi, TEXTS).metrics["example_f1"] == 1.0
    multi.meta.thresholds = {"calm": 0.5, "clash": 0.99, "protest": 0.5}
    assert sequence.evaluate(multi, TEXTS).metrics["example_f1"] == 0.0
    ensemble = ensemble_evaluation([multi, multi], TEXTS)  # the mean is decided at 0.5, not at a member's cuts
    assert ensemble.metrics["example_f1"] == 1.0 and [p["predicted"] for p in ensemble.predictions] == [["clash"]] * 2


def test_members_must_agree_on_task_and_labels(tiny_model):
    one = _leaning(tiny_model, "single_label", LABELS, {})
    with pytest.raises(ValueError, match="at least two"):
        ensemble_evaluation([one], TEXTS)
    other = _leaning(tiny_model, "single_label", ["calm", "clash"], {})
    with pytest.raises(ValueError, match="share their task, labels, decoding"):
        ensemble_evaluation([one, other], TEXTS)



CONLL = "Rebels\tB-Organisation\nattacked\tO\nAleppo\tB-Location\n.\tO\n\nJohn\tB-Person\nKerry\tI-Person\nspoke\tO\n"


def _saved_taggers(tiny_model, tags: list[str], folder) -> tuple[list[TaskModel], list[str]]:
    """Two tiny taggers (seeds 1 and 2) and the folders they are saved to."""
    members, folders = [], []
    for seed in (1, 2):
        torch.manual_seed(seed)
        model, tok = tiny_model("token", tags)
        members.append(TaskModel(model, tok, TaskMeta("token", tags, max_length=8, stride=2), precision="fp32"))
        folders.append(str(members[-1].save(folder / f"seed{seed}")))
    return members, folders


def _evaluate_cfg(overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("evaluate", [*overrides, "precision=fp32"])


def test_training_evaluate_scores_a_list_of_models_as_a_seed_ensemble(tiny_model, tmp_path, mlflow_store):
    (tmp_path / "test.txt").write_text(CONLL)
    cfg = _evaluate_cfg(["data=re3d", f"data.test_path={tmp_path / 'test.txt'}", f"output_dir={tmp_path / 'eval'}",
                         "model_uri=???"])
    members, folders = _saved_taggers(tiny_model, label_list(cfg.data), tmp_path)
    cfg.model_uri = folders
    metrics = evaluate(cfg)
    examples, _ = read_file(cfg.data, str(tmp_path / "test.txt"))
    expected = ensemble_evaluation(members, examples)
    assert metrics == expected.metrics
    rows = [line.split("\t") for line in (tmp_path / "eval" / "predictions.conll").read_text().splitlines() if line]
    predicted = [tag for p in expected.predictions for tag in p["predicted"]]
    assert [row[2] for row in rows] == predicted  # every word of both sentences, tagged by the mean
    assert predicted != [tag for p in token.evaluate(members[0], examples).predictions for tag in p["predicted"]]
    written = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert written["model_uri"] == folders and written["metrics"] == metrics
    [run] = mlflow.search_runs(experiment_names=["re3d-evaluation"], output_format="list")
    assert run.data.tags["model_uris"] == ",".join(folders) and "model_uri" not in run.data.tags  # not one URI

    cfg.model_uri, cfg.output_dir = folders[:1], str(tmp_path / "one")  # a list of one is that model
    assert evaluate(cfg) == token.evaluate(members[0], examples).metrics
    assert json.loads((tmp_path / "one" / "metrics.json").read_text())["model_uri"] == folders[0]


def test_training_evaluate_refuses_a_list_for_case2021(tmp_path):
    cfg = _evaluate_cfg(["data=case2021", f"data.test_path={tmp_path / 'test.tsv'}", "model_uri=[a,b]"])
    with pytest.raises(ValueError, match="data=case2021 scores one event typer"):
        evaluate(cfg)


def test_training_seed_ensemble_saves_scores_and_logs_one_servable_model(tiny_model, tmp_path, mlflow_store):
    (tmp_path / "train.txt").write_text(CONLL * 2)
    (tmp_path / "dev.txt").write_text(CONLL)
    data = ["data=re3d", f"data.train.path={tmp_path / 'train.txt'}", f"data.dev.path={tmp_path / 'dev.txt'}"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("seed_ensemble", [*data, "model_uris=???", f"paths.output_dir={tmp_path / 'out'}",
                                        "precision=fp32"])
    members, folders = _saved_taggers(tiny_model, label_list(cfg.data), tmp_path)
    cfg.model_uris = folders
    score = build_seed_ensemble(cfg)
    dev, _ = read_file(cfg.data, str(tmp_path / "dev.txt"))
    expected = ensemble_evaluation(members, dev)
    assert score == expected.metrics["f1_micro"]

    [run] = mlflow.search_runs(experiment_names=["re3d"], output_format="list")
    assert run.data.tags["approach"] == "seed_ensemble" and run.data.tags["model_uris"] == ",".join(folders)
    assert run.data.metrics["dev_f1_micro"] == score
    texts = ["Rebels attacked Aleppo .", "John Kerry spoke"]
    served = mlflow.pyfunc.load_model(run.data.tags["model_uri"], model_config={"precision": "fp32"})
    entities = list(served.predict(pd.DataFrame({"text": texts}))["entities"])
    assert entities == Ensemble.of_seeds(members).entities(texts)

    saved = run.data.tags["model_dir"]  # the saved ensemble is scored as the list of its members is
    assert evaluate(_evaluate_cfg([*data, f"data.test_path={tmp_path / 'dev.txt'}", f"model_uri={saved}",
                                   f"output_dir={tmp_path / 'eval'}"])) == expected.metrics


def test_training_seed_ensemble_refuses_models_of_another_task(tiny_model, tmp_path):
    folders = []
    for seed in (1, 2):
        model, tok = tiny_model("single_label", LABELS)
        folders.append(str(TaskModel(model, tok, TaskMeta("single_label", LABELS, 8, 2)).save(tmp_path / str(seed))))
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("seed_ensemble", ["data=re3d", f"model_uris=[{','.join(folders)}]"])
    with pytest.raises(ValueError, match="model does 'single_label' but data=re3d is 'token'"):
        build_seed_ensemble(cfg)


def test_without_model_uris_the_latest_seed_group_of_the_dataset_is_taken(mlflow_store):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("seed_ensemble", ["data=re3d"])
    with pytest.raises(LookupError, match="no seed summary of re3d: train a seed group"):
        member_uris(cfg)
    client = MlflowClient()
    experiment_id = client.create_experiment("re3d")

    def group(name: str, dataset: str) -> list[str]:
        ids = []
        for seed in (1, 2):
            run = client.create_run(experiment_id, tags={"dataset": dataset, "seed_group": name,
                                                         "model_uri": f"models:/m-{name}{seed}"})
            client.set_terminated(run.info.run_id)
            ids.append(run.info.run_id)
        summarize(client, ids)
        return [f"models:/m-{name}{seed}" for seed in (1, 2)]

    older = group("older", "re3d")
    assert sorted(member_uris(cfg)) == sorted(older)
    newer = group("newer", "re3d")
    group("other", "cameo_ner")  # the latest group, but of another dataset
    assert sorted(member_uris(cfg)) == sorted(newer)
    cfg.model_uris = ["a", "b"]
    assert member_uris(cfg) == ["a", "b"]
