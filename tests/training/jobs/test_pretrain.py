"""Continued pretraining: blocks keep every token; a tiny run saves an encoder that fine-tuning loads."""

from __future__ import annotations

import json

import mlflow
import pytest
import torch
from hydra import compose, initialize_config_dir

from tests.conftest import CONF_DIR
from training.data import load_splits
from training.data.base import DataFormatError
from training.jobs.pretrain import blocks, corpus_texts, masked_lm_loss, pretrain
from training.modeling.encoders import build_model

CONLL = "Rebels\tB-Organisation\nattacked\tO\nAleppo\tB-Location\n.\tO\n\nJohn\tB-Person\nKerry\tI-Person\nspoke\tO\n"
SATP = "Militants shot dead two policemen.\t1\t0\t0\t0\nAn IED exploded near a market.\t0\t1\t0\t0\n"


def test_blocks_keep_every_token(tokenizer):
    texts = ["Rebels shelled the town of Idlib on Monday.", "Police arrested five protesters.", "Calm."]
    out = blocks(texts, tokenizer, max_length=8)
    assert all(b[0] == tokenizer.cls_token_id and b[-1] == tokenizer.sep_token_id and len(b) <= 8 for b in out)
    inner = [t for b in out for t in b[1:-1]]
    expected = [t for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]
                for t in [*ids, tokenizer.sep_token_id]]
    assert inner == expected and len(out[-1]) < 8


def test_pretrain_saves_an_encoder_that_fine_tuning_loads(tmp_path, mlflow_store):
    (tmp_path / "train.txt").write_text((CONLL + "\n") * 4)
    (tmp_path / "dev.txt").write_text(CONLL)
    (tmp_path / "satp.tsv").write_text(SATP * 4)
    overrides = ["model=tiny", "trainer.max_steps=2", "precision=fp32", "~data@corpora.cameo_class",
                 "~data@corpora.ipe_docs", "~data@corpora.muc_types", f"paths.output_dir={tmp_path / 'run'}",
                 f"corpora.re3d.train.path={tmp_path / 'train.txt'}", f"corpora.re3d.dev.path={tmp_path / 'dev.txt'}",
                 f"corpora.satp.train.path={tmp_path / 'satp.tsv'}", f"corpora.satp.dev.path={tmp_path / 'satp.tsv'}",
                 f"save_dir={tmp_path / 'encoder'}"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("pretrain", overrides)
    assert sorted(cfg.corpora) == ["re3d", "satp"]
    saved = pretrain(cfg)
    (run,) = mlflow.search_runs(experiment_names=["pretrain"], output_format="list")
    assert run.info.status == "FINISHED" and run.data.tags["model_path"] == str(saved)
    assert run.data.params["texts.re3d.train"] == "8" and run.data.params["texts.satp.train"] == "8"
    assert run.data.metrics["dev_perplexity"] == pytest.approx(2.718281828 ** run.data.metrics["dev_mlm_loss"])
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        model_cfg = compose("train", ["model=local", f"model.path={saved}"]).model
    model, _ = build_model(model_cfg, "token", ["O", "B-ORG", "I-ORG"])
    assert model.config.num_labels == 3 and model.config.hidden_size == 32


def test_corpus_texts_read_documents_without_their_sentence_labels(tmp_path):
    docs = [{"doc_id": 1, "doc_text": "Police fired at a crowd.", "doc_labels": ["FORCE"]},
            {"doc_id": 2, "doc_text": "A quiet day.", "doc_labels": []}]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(doc) + "\n" for doc in docs))
    (tmp_path / "splits.json").write_text(json.dumps({"train": [1], "dev": [2]}))
    ipe = "corpora.ipe_docs"
    overrides = ["~data@corpora.re3d", "~data@corpora.cameo_class", "~data@corpora.satp", "~data@corpora.muc_types",
                 f"{ipe}.train.path={tmp_path / 'docs.jsonl'}", f"{ipe}.dev.path={tmp_path / 'docs.jsonl'}",
                 f"{ipe}.train.split_file={tmp_path / 'splits.json'}",
                 f"{ipe}.dev.split_file={tmp_path / 'splits.json'}",
                 f"{ipe}.train.sentences={tmp_path / 'missing_sents.jsonl'}"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("pretrain", overrides)
    with pytest.raises(DataFormatError, match="missing_sents.jsonl: file not found"):
        load_splits(cfg.corpora.ipe_docs)  # training reads the sentence labels ...
    texts, counts = corpus_texts(cfg)  # ... pretraining does not
    assert texts == {"train": ["Police fired at a crowd."], "dev": ["A quiet day."]}
    assert counts == {"ipe_docs.train": 1, "ipe_docs.dev": 1}
    assert cfg.corpora.ipe_docs.train.sentences.endswith("missing_sents.jsonl")  # the config is left as it was


def test_masked_positions_loss_is_the_models_own(tiny_model):
    model, tokenizer = tiny_model("masked_lm", [])
    model.eval()
    input_ids = torch.tensor(blocks(["Rebels shelled the town of Idlib on Monday.", "Police arrested five."],
                                    tokenizer, max_length=8)[:2])
    labels = torch.full_like(input_ids, -100)
    for row, col in [(0, 2), (1, 1), (1, 3)]:
        labels[row, col] = input_ids[row, col]
    inputs = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids), "labels": labels}
    with torch.no_grad():
        expected = float(model(**inputs).loss)
        assert float(masked_lm_loss(model, inputs)) == pytest.approx(expected, rel=1e-5)
        assert float(masked_lm_loss(model, inputs, num_items=6)) == pytest.approx(expected / 2, rel=1e-5)
    with pytest.raises(TypeError, match="has no masked-LM head"):
        masked_lm_loss(model.base_model, inputs)
