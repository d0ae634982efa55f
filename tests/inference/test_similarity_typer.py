import numpy as np
import pytest
from transformers import AutoTokenizer, BertConfig, BertModel

from inference.model_loading import load_task_model
from inference.similarity_typer import SimilarityTyper
from inference.task_model import TaskMeta
from training.modeling.encoders import minilm_path

DESCRIPTIONS = {"AIR_STRIKE": ["Warplanes bombed the town.", "A drone strike hit a car."],
                "PEACE_PROTEST": ["Crowds marched peacefully."], "NO_EVENT": ["The minister gave a speech."]}


@pytest.fixture(scope="module")
def typer():
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    encoder = BertModel(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                                   num_attention_heads=2, intermediate_size=64))
    meta = TaskMeta("similarity", list(DESCRIPTIONS), max_length=16, stride=4, pool="mean")
    return SimilarityTyper(encoder, tokenizer, meta, DESCRIPTIONS, temperature=0.05, precision="fp32")


def test_a_description_is_its_own_best_match(typer):
    probs = typer.text_probs(["Warplanes bombed the town.", "Crowds marched peacefully.", "x " * 50])
    assert probs.shape == (3, 3) and np.allclose(probs.sum(axis=1), 1)
    assert probs[0].argmax() == 0 and probs[1].argmax() == 1
    assert typer.text_probs([]).shape == (0, 3)


def test_round_trip(typer, tmp_path):
    loaded = load_task_model(typer.save(tmp_path / "typer"), precision="fp32")
    assert isinstance(loaded, SimilarityTyper)
    texts = ["A drone strike hit a car.", "Nothing happened."]
    assert np.allclose(loaded.text_probs(texts), typer.text_probs(texts), atol=1e-5)


def test_every_label_needs_descriptions(typer):
    meta = TaskMeta("similarity", ["AIR_STRIKE", "ARREST"], max_length=16, stride=4)
    with pytest.raises(ValueError, match=r"labels without descriptions: \['ARREST'\]"):
        SimilarityTyper(typer.encoder, typer.tokenizer, meta, DESCRIPTIONS, precision="fp32")
