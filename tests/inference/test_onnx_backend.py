import subprocess
import sys

import numpy as np
import pytest
from transformers import BertConfig, BertModel

from inference.onnx_runtime import OnnxModel, cache_key, runner
from inference.predictor import Predictor
from inference.similarity_typer import SimilarityTyper
from inference.task_model import TaskMeta, TaskModel
from tests.conftest import PROJECT_ROOT

TEXTS = ["Rebels shelled Idlib on Monday; troops clashed with them near Saraqeb, and police arrested 5.",
         "The foreign minister met his counterpart in Geneva. " * 6,  # several windows of 16 tokens
         "Protesters gathered in Kabul."]
LABELS = ["O", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


@pytest.fixture(autouse=True)
def onnx_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CONFLICT_NEWS_ONNX_CACHE", str(tmp_path / "onnx"))
    return tmp_path / "onnx"


def _pair(model, tokenizer, meta, backend):
    return (TaskModel(model, tokenizer, meta, precision="fp32", batch_size=2),
            TaskModel(model, tokenizer, meta, precision="fp32", batch_size=2, backend=backend))


def test_token_model_probabilities_match_torch(tiny_model):
    model, tokenizer = tiny_model("token", LABELS)
    torch_model, onnx_model = _pair(model, tokenizer, TaskMeta("token", LABELS, max_length=16, stride=4), "onnx")
    words = [text.split() for text in TEXTS]
    assert isinstance(onnx_model.runner, OnnxModel) and not onnx_model.use_bf16
    for ref, got in zip(torch_model.word_probs(words), onnx_model.word_probs(words)):
        np.testing.assert_allclose(got, ref, atol=1e-5)


@pytest.mark.parametrize("backend, atol", [("onnx", 1e-5), ("onnx-int8", 0.01)])
def test_text_classifier_probabilities_match_torch(tiny_model, backend, atol):
    labels = ["ARMED_CLASH", "PROTEST", "NO_EVENT"]
    model, tokenizer = tiny_model("single_label", labels)
    meta = TaskMeta("single_label", labels, max_length=16, stride=4, pool="mean")
    torch_model, onnx_model = _pair(model, tokenizer, meta, backend)
    np.testing.assert_allclose(onnx_model.text_probs(TEXTS), torch_model.text_probs(TEXTS), atol=atol)
    assert onnx_model.runner.path.name == ("model.int8.onnx" if backend == "onnx-int8" else "model.onnx")


def test_similarity_typer_embeddings_match_torch(tokenizer):
    encoder = BertModel(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                                   num_attention_heads=2, intermediate_size=64))
    meta = TaskMeta("similarity", ["STRIKE", "NO_EVENT"], max_length=16, stride=4, pool="mean")
    descriptions = {"STRIKE": ["Warplanes bombed the town."], "NO_EVENT": ["The minister gave a speech."]}
    torch_typer, onnx_typer = (SimilarityTyper(encoder, tokenizer, meta, descriptions, precision="fp32",
                                               backend=backend) for backend in ("torch", "onnx"))
    np.testing.assert_allclose(onnx_typer.embed(TEXTS), torch_typer.embed(TEXTS), atol=1e-5)


def test_predictor_spans_equal_torch(tiny_predictor_dir):
    texts = [*TEXTS, "Dr. Ahmed met Gen. Smith in the U.S. capital. " + " ".join(f"word{i}" for i in range(60))]
    expected = Predictor.load(tiny_predictor_dir, precision="fp32").predict_batch(texts)
    got = Predictor.load(tiny_predictor_dir, backend="onnx").predict_batch(texts)
    assert sum(len(r["entities"]) for r in expected) > 0
    for want, have in zip(expected, got):
        for field in ("entities", "events"):
            assert [(e["start"], e["end"], e.get("label", e.get("event_type"))) for e in have[field]] == \
                   [(e["start"], e["end"], e.get("label", e.get("event_type"))) for e in want[field]]
            np.testing.assert_allclose([e["score"] for e in have[field]], [e["score"] for e in want[field]],
                                       atol=1e-3)


def test_export_is_cached_by_weights(tiny_model, onnx_cache):
    model, _ = tiny_model("token", LABELS)
    first = runner(model, "onnx", "logits").path
    mtime = first.stat().st_mtime_ns
    assert runner(model, "onnx", "logits").path == first and first.stat().st_mtime_ns == mtime
    assert first.parent.parent == onnx_cache and list(onnx_cache.rglob(".*")) == []  # no temporary files left
    key = cache_key(model, "logits")
    model.classifier.bias.data += 1
    assert cache_key(model, "logits") != key and not model.training


def test_unknown_backend_and_output_are_rejected(tiny_model):
    model, tokenizer = tiny_model("token", LABELS)
    with pytest.raises(ValueError, match="backend must be one of"):
        TaskModel(model, tokenizer, TaskMeta("token", LABELS, max_length=16, stride=4), backend="tensorrt")
    with pytest.raises(ValueError, match="output must be one of"):
        runner(model, "onnx", "pooler_output")


@pytest.mark.parametrize("package", ["onnxruntime", "onnx"])
def test_a_missing_package_is_named(tiny_model, monkeypatch, package):
    model, _ = tiny_model("token", LABELS)
    monkeypatch.setitem(sys.modules, package, None)  # makes ``import package`` fail
    with pytest.raises(ImportError, match=f"backend='onnx' needs the '{package}' package"):
        runner(model, "onnx", "logits")


def test_inference_imports_without_onnx_packages():
    code = ("import sys; sys.modules.update(onnxruntime=None, onnx=None); "
            "import inference.predictor, inference.predict, inference.onnx_runtime")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)
