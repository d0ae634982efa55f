"""The packaged predictor through MLflow: log (models-from-code), register, load by URI, predict."""

import mlflow
import pandas as pd
import pytest

from tests.inference.test_predictor import TRICKY
from training.jobs.package import PREDICTOR_SETTINGS
from training.tracking.mlflow import INFERENCE_DIR, log_pyfunc


@pytest.fixture
def logged_predictor(tiny_predictor, tiny_predictor_dir, mlflow_store):
    mlflow.set_experiment("predictor-test")
    example = pd.DataFrame({"id": ["a"], "text": ["Rebels attacked Aleppo."]})
    with mlflow.start_run():
        info = log_pyfunc(INFERENCE_DIR / "pyfunc_predictor.py", {"predictor": str(tiny_predictor_dir)}, example,
                          lambda frame: pd.DataFrame(tiny_predictor.predict_batch(list(frame["text"]))),
                          registered_model_name="conflict-news-test", settings=PREDICTOR_SETTINGS)
    mlflow.MlflowClient().set_registered_model_alias("conflict-news-test", "champion",
                                                      info.registered_model_version)
    return info


def test_round_trip_by_alias(logged_predictor, tiny_predictor):
    model = mlflow.pyfunc.load_model("models:/conflict-news-test@champion", model_config={"precision": "fp32"})
    frame = pd.DataFrame({"id": [str(i) for i in range(len(TRICKY) + 1)], "text": [*TRICKY, ""]})
    out = model.predict(frame)
    assert list(out.columns) == ["id", "entities", "events", "non_acled_events"]
    expected = tiny_predictor.predict_batch([*TRICKY, ""])  # same batch, so the same padding and scores
    for i, text in enumerate(TRICKY):
        assert out["entities"][i] == expected[i]["entities"]
        assert out["events"][i] == expected[i]["events"]
        for ent in out["entities"][i]:
            assert text[ent["start"]:ent["end"]] == ent["text"]
    assert out["entities"].iloc[-1] == [] and out["events"].iloc[-1] == []


def test_signature_and_requirements(logged_predictor):
    model = mlflow.pyfunc.load_model(logged_predictor.model_uri)
    schema = model.metadata.get_input_schema()
    assert schema.input_names() == ["id", "text"]
    assert [spec.required for spec in schema.inputs] == [False, True]
    requirements = mlflow.pyfunc.get_model_dependencies(logged_predictor.model_uri)
    pins = open(requirements).read().split()
    assert any(p.startswith("torch==") for p in pins) and any(p.startswith("transformers==") for p in pins)


def test_bad_rows_name_the_row(logged_predictor):
    model = mlflow.pyfunc.load_model(logged_predictor.model_uri)
    with pytest.raises(Exception, match=r"row 1 \(id 'b'\): 'text' must be a string"):
        model.predict(pd.DataFrame({"id": ["a", "b"], "text": ["fine", None]}))
    with pytest.raises(Exception, match=r"row 0 \(id 'a'\): 'text' unpaired surrogate U\+D800 at character 3"):
        model.predict(pd.DataFrame({"id": ["a"], "text": pd.Series(["Kab\ud800ul"], dtype=object)}))


def test_id_column_is_optional(logged_predictor):
    out = mlflow.pyfunc.load_model(logged_predictor.model_uri).predict(pd.DataFrame({"text": ["Troops fired."]}))
    assert list(out.columns) == ["entities", "events", "non_acled_events"]


def test_model_config_tasks_choose_the_columns(logged_predictor, tiny_predictor):
    model = mlflow.pyfunc.load_model(logged_predictor.model_uri, model_config={"precision": "fp32",
                                                                               "tasks": ["entities"]})
    out = model.predict(pd.DataFrame({"id": ["a", "b"], "text": TRICKY[:2]}))
    assert list(out.columns) == ["id", "entities"]
    assert list(out["entities"]) == [r["entities"] for r in tiny_predictor.predict_batch(TRICKY[:2])]


def test_tasks_from_the_environment_as_for_mlflow_serve(logged_predictor, monkeypatch):
    monkeypatch.setenv("MLFLOW_PYFUNC_INFERENCE_CONFIG", '{"tasks": ["events"]}')
    out = mlflow.pyfunc.load_model(logged_predictor.model_uri).predict(pd.DataFrame({"text": ["Troops fired."]}))
    assert list(out.columns) == ["events", "non_acled_events"]
