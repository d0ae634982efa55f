import json

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from transformers import MPNetConfig

from inference.task_model import MODEL_SCHEMA_VERSION, TaskMeta, TaskModel, read_meta
from inference.windows import word_windows
from inference.word_shapes import DIGITS, LOWER, MIXED, N_SHAPES, NO_WORD, SYMBOLS, TITLE, UPPER, word_shape
from training.modeling.encoders import add_word_shape_embeddings, check_word_shapes

LABELS = ["O", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


@pytest.mark.parametrize("word, shape", [("rebels", LOWER), ("Kabul", TITLE), ("A", TITLE), ("ISIS", UPPER),
                                         ("al-Qaeda", MIXED), ("McDonald", MIXED), ("F-16", DIGITS),
                                         ("1990s", DIGITS), ("--", SYMBOLS), ("\u200b", SYMBOLS),
                                         ("Ürümqi", TITLE)])
def test_word_shape_classes(word, shape):
    assert word_shape(word) == shape


def test_word_windows_give_each_subword_its_word_shape(tokenizer):
    words = ["Taliban", "fighters", "seized", "ISAF", "base", "17", "\u200b"] * 6
    windows = word_windows(tokenizer, [words], max_length=16, stride=4, shapes=True)
    plain = word_windows(tokenizer, [words], max_length=16, stride=4)
    assert windows.input_ids == plain.input_ids and not plain.token_type_ids
    assert [len(t) for t in windows.token_type_ids] == [len(ids) for ids in windows.input_ids]
    for ids, types in zip(windows.input_ids, windows.token_type_ids):
        assert types[0] == NO_WORD and types[-1] == NO_WORD  # [CLS], [SEP]
        assert NO_WORD not in types[1:-1]
    # the whole sequence, read back from the windows' content, is each word's shape repeated over its subwords
    firsts = windows.word_first_token[0]
    sequence = {}
    for types, start, length in zip(windows.token_type_ids, windows.starts, windows.lengths):
        sequence.update({start + k: t for k, t in enumerate(types[1:1 + length])})
    bounds = firsts + [len(sequence)]
    for word, (a, b) in enumerate(zip(bounds, bounds[1:])):
        assert {sequence[p] for p in range(a, b)} == {word_shape(words[word])}
    assert word_shape("\u200b") == SYMBOLS and windows.replaced_words == 6  # shaped as written, not as [UNK]


def test_grown_embeddings_change_nothing_until_trained(tiny_model, tokenizer):
    model, _ = tiny_model("token", LABELS)
    model.eval()
    batch = tokenizer(["Taliban fighters seized ISAF base"], return_tensors="pt")
    with torch.no_grad():
        before = model(input_ids=batch["input_ids"]).logits
        add_word_shape_embeddings(model)
        shapes = torch.tensor([[NO_WORD] + [TITLE, LOWER, LOWER, UPPER, UPPER, LOWER][:batch["input_ids"].shape[1] - 2]
                               + [NO_WORD]])
        after = model(input_ids=batch["input_ids"], token_type_ids=shapes).logits
    assert model.config.type_vocab_size == N_SHAPES
    assert model.bert.embeddings.token_type_embeddings.weight.shape[0] == N_SHAPES
    torch.testing.assert_close(after, before)


def test_an_encoder_without_token_types_is_refused(tiny_model, tmp_path):
    model, _ = tiny_model("token", LABELS)
    del model.bert.embeddings.token_type_embeddings
    with pytest.raises(ValueError, match="token type embeddings"):
        add_word_shape_embeddings(model)
    MPNetConfig(vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=2).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"model=local \(mpnet\) has none"):
        check_word_shapes(True, "token", OmegaConf.create({"name": "local", "source": "path", "path": str(tmp_path)}))


def test_a_word_shape_table_is_kept_when_the_encoder_already_has_one(tiny_model):
    model, _ = tiny_model("token", LABELS)
    add_word_shape_embeddings(model)
    table = model.bert.embeddings.token_type_embeddings
    with torch.no_grad():
        table.weight[TITLE] += 1.0
    learned = table.weight.detach().clone()
    add_word_shape_embeddings(model)
    assert model.bert.embeddings.token_type_embeddings is table and torch.equal(table.weight, learned)


def _shaped_model_dir(tiny_model, tmp_path):
    """The folder of a saved word-shape tagger whose TITLE row differs from the LOWER row."""
    model, tokenizer = tiny_model("token", LABELS)
    add_word_shape_embeddings(model)
    with torch.no_grad():
        row = model.bert.embeddings.token_type_embeddings.weight[TITLE]
        row += torch.randn(row.shape, generator=torch.Generator().manual_seed(0))  # not a constant: LayerNorm
    meta = TaskMeta("token", LABELS, max_length=16, stride=4, word_shapes=True)
    return TaskModel(model, tokenizer, meta, precision="fp32").save(tmp_path / "tagger")


def test_a_saved_word_shape_model_sees_capitals_its_tokenizer_drops(tiny_model, tmp_path):
    folder = _shaped_model_dir(tiny_model, tmp_path)
    loaded = TaskModel.load(folder, precision="fp32")
    assert loaded.meta.word_shapes and loaded.model.config.type_vocab_size == N_SHAPES
    upper, lower = loaded.word_probs([["Kabul", "fell"], ["kabul", "fell"]])
    assert not np.allclose(upper[0], lower[0])  # same subwords, different shape
    written = json.loads((folder / "conflict_news.json").read_text())
    assert written["word_shapes"] is True and written["schema_version"] == 2


def test_a_model_and_its_meta_must_agree_on_word_shapes(tiny_model, tmp_path):
    folder = _shaped_model_dir(tiny_model, tmp_path)
    shaped = TaskModel.load(folder, precision="fp32")
    with pytest.raises(ValueError, match="word_shapes=False, but the model has 7 token types"):
        TaskModel(shaped.model, shaped.tokenizer, TaskMeta("token", LABELS, 16, 4))
    plain, tokenizer = tiny_model("token", LABELS)
    with pytest.raises(ValueError, match="word_shapes=True, but the model has 2 token types"):
        TaskModel(plain, tokenizer, TaskMeta("token", LABELS, 16, 4, word_shapes=True))
    with pytest.raises(ValueError, match="token models only"):
        TaskMeta("single_label", ["A", "B"], 16, 4, word_shapes=True)


def test_plain_models_keep_schema_1_and_newer_schemas_are_refused_by_version(tiny_model, tmp_path):
    model, tokenizer = tiny_model("token", LABELS)
    folder = TaskModel(model, tokenizer, TaskMeta("token", LABELS, 16, 4)).save(tmp_path / "plain")
    written = json.loads((folder / "conflict_news.json").read_text())
    assert written["schema_version"] == 1 and "word_shapes" not in written  # older code still reads it
    assert "ensemble" not in written
    written.update(schema_version=MODEL_SCHEMA_VERSION + 1, a_later_field=1)
    (folder / "conflict_news.json").write_text(json.dumps(written))
    with pytest.raises(ValueError, match=f"schema_version {MODEL_SCHEMA_VERSION + 1} is newer than this code"):
        read_meta(folder)


def test_onnx_export_takes_the_word_shapes(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("CONFLICT_NEWS_ONNX_CACHE", str(tmp_path / "onnx"))
    words = [["Taliban", "fighters", "seized", "an", "ISAF", "base", "near", "Kandahar", "in", "2009"] * 3,
             ["kabul", "fell"]]
    folder = _shaped_model_dir(tiny_model, tmp_path)
    reference = TaskModel.load(folder, precision="fp32", batch_size=2).word_probs(words)
    onnx = TaskModel.load(folder, precision="fp32", batch_size=2, backend="onnx")
    for ref, got in zip(reference, onnx.word_probs(words)):
        np.testing.assert_allclose(got, ref, atol=1e-5)
