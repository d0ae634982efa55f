import json

import numpy as np
import pytest

from inference.ensemble import Ensemble
from inference.model_loading import load_task_model
from inference.model_source import local_model_dir
from inference.spans import viterbi_tags
from inference.task_model import META_FILE, TaskMeta, TaskModel
from tests.conftest import TINY
from training.modeling.encoders import build_model

LABELS = ["AIR_STRIKE", "ARREST", "NO_EVENT"]


def _member(seed):
    import torch

    torch.manual_seed(seed)
    model, tok = build_model(TINY, "single_label", LABELS)
    return TaskModel(model, tok, TaskMeta("single_label", LABELS, 16, 4, pool="mean"), precision="fp32")


def test_weighted_mean_and_round_trip(tmp_path):
    a, b = _member(0), _member(1)
    ensemble = Ensemble([a, b], [3, 1], TaskMeta("ensemble", LABELS, 16, 4))
    texts = ["Jets bombed the bridge.", "Police detained him."]
    expected = 0.75 * a.text_probs(texts) + 0.25 * b.text_probs(texts)
    assert np.allclose(ensemble.text_probs(texts), expected)
    folder = ensemble.save(tmp_path / "ensemble")
    assert local_model_dir(tmp_path) == folder  # the members inside do not count as models of their own
    loaded = load_task_model(folder, precision="fp32")
    assert isinstance(loaded, Ensemble) and np.allclose(loaded.text_probs(texts), expected, atol=1e-6)


def test_settled_texts_skip_the_lighter_members():
    a, b = _member(0), _member(1)
    ensemble = Ensemble([b, a], [1, 3], TaskMeta("ensemble", LABELS, 16, 4))  # a (0.75) runs first
    texts = ["Jets bombed the bridge.", "Police detained him.", "Nothing happened."]
    seen = []
    b_probs = b.text_probs
    b.text_probs = lambda batch: seen.append(batch) or b_probs(batch)
    rests = []
    got = ensemble.text_probs_until(texts, lambda partial, rest: rests.append(rest) or np.arange(len(partial)) == 1)
    assert seen == [[texts[0], texts[2]]] and rests == pytest.approx([0.25, 0.0])
    assert np.allclose(got[[0, 2]], ensemble.text_probs([texts[0], texts[2]]))
    assert np.allclose(got[1], 0.75 * a.text_probs([texts[1]])[0])  # the partial sum of a alone
    assert np.allclose(ensemble.text_probs_until(texts, lambda partial, rest: np.zeros(len(partial), bool)),
                       ensemble.text_probs(texts))


def test_members_must_share_labels():
    with pytest.raises(ValueError, match="labels differ"):
        Ensemble([_member(0)], [1.0], TaskMeta("ensemble", ["A", "B", "C"], 16, 4))


TAGS = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
WORDS = [["Rebels", "attacked", "the", "town", "of", "Idlib", "on", "Monday", "."], ["Aleppo", "was", "calm"]]


def _tagger(seed, **meta):
    import torch

    torch.manual_seed(seed)
    model, tok = build_model(TINY, "token", TAGS)
    return TaskModel(model, tok, TaskMeta("token", TAGS, 8, 2, **meta), precision="fp32")


def test_a_seed_ensemble_tags_with_the_mean_and_loads_as_one_model(tmp_path):
    a, b = _tagger(1), _tagger(2)
    ensemble = Ensemble.of_seeds([a, b])
    expected = [(pa + pb) / 2 for pa, pb in zip(a.word_probs(WORDS), b.word_probs(WORDS))]
    assert all(np.allclose(got, want) for got, want in zip(ensemble.word_probs(WORDS), expected))
    assert [[tag for tag, _ in row] for row in ensemble.tag_words(WORDS)] == [
        [TAGS[k] for k in viterbi_tags(probs, TAGS)] for probs in expected]
    texts = [" ".join(words) for words in WORDS]
    folder = ensemble.save(tmp_path / "ensemble")
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["ensemble"] is True and meta["schema_version"] == 3 and meta["task"] == "token"
    assert local_model_dir(tmp_path) == folder
    loaded = load_task_model(folder, precision="fp32")
    assert isinstance(loaded, Ensemble) and loaded.meta.task == "token"
    assert loaded.entities(texts) == ensemble.entities(texts)
    with pytest.raises(ValueError, match="is a seed ensemble: load it with"):
        TaskModel.load(folder)


def test_older_code_refuses_a_seed_ensemble_folder_and_single_models_keep_their_schema(tmp_path, monkeypatch):
    import inference.task_model as task_model

    folder = Ensemble.of_seeds([_tagger(1), _tagger(2)]).save(tmp_path / "ensemble")
    single = json.loads((folder / "member_0" / META_FILE).read_text())
    assert single["schema_version"] == 1 and "ensemble" not in single and "word_shapes" not in single
    monkeypatch.setattr(task_model, "MODEL_SCHEMA_VERSION", 2)  # code from before seed ensembles
    assert task_model.read_meta(folder / "member_0").task == "token"
    with pytest.raises(ValueError, match="schema_version 3 is newer than this code"):
        task_model.read_meta(folder)


def test_a_seed_ensemble_drops_the_members_thresholds_and_needs_matching_members():
    import torch

    torch.manual_seed(0)
    model, tok = build_model(TINY, "multi_label", LABELS)
    multi = TaskModel(model, tok, TaskMeta("multi_label", LABELS, 16, 4, thresholds={"ARREST": 0.9}),
                      precision="fp32")
    assert Ensemble.of_seeds([multi, multi]).meta.thresholds == {}  # the mean is decided at 0.5
    with pytest.raises(ValueError, match="at least two"):
        Ensemble.of_seeds([multi])
    with pytest.raises(ValueError, match="share their task, labels, decoding"):
        Ensemble.of_seeds([multi, _member(0)])
    with pytest.raises(ValueError, match="share their task, labels, decoding"):
        Ensemble.of_seeds([_tagger(1), _tagger(2, decoding="argmax")])
    with pytest.raises(ValueError, match="must all do 'multi_label'"):
        Ensemble([multi, _member(0)], [1, 1], Ensemble.of_seeds([multi, multi]).meta)


def test_a_seed_ensemble_of_argmax_taggers_keeps_their_decoding(tmp_path):
    folder = Ensemble.of_seeds([_tagger(1, decoding="argmax"), _tagger(2, decoding="argmax")]).save(tmp_path / "e")
    assert json.loads((folder / META_FILE).read_text())["schema_version"] == 4
    loaded = load_task_model(folder, precision="fp32")
    assert loaded.meta.decoding == "argmax" and all(m.meta.decoding == "argmax" for m in loaded.members)


def test_a_seed_ensemble_of_crf_taggers_decodes_with_their_mean_transitions(tmp_path):
    n = len(TAGS)
    first, second = np.eye(n).tolist(), np.full((n, n), -1.0).tolist()
    ensemble = Ensemble.of_seeds([_tagger(1, transitions=first), _tagger(2, transitions=second)])
    mean = (np.eye(n) - 1.0) / 2
    assert np.allclose(ensemble.meta.transitions, mean)
    expected = [[TAGS[k] for k in viterbi_tags(probs, TAGS, mean)] for probs in ensemble.word_probs(WORDS)]
    assert [[tag for tag, _ in row] for row in ensemble.tag_words(WORDS)] == expected
    folder = ensemble.save(tmp_path / "e")
    assert json.loads((folder / META_FILE).read_text())["schema_version"] == 5
    assert np.allclose(load_task_model(folder, precision="fp32").meta.transitions, mean)
    with pytest.raises(ValueError, match="whether they were trained with a CRF"):
        Ensemble.of_seeds([_tagger(1, transitions=first), _tagger(2)])


def test_models_and_ensembles_refuse_the_other_kind_of_input():
    tagger, typer = _tagger(1), _member(0)
    seeds, typers = Ensemble.of_seeds([tagger, _tagger(2)]), Ensemble.of_seeds([typer, _member(1)])
    for model in (typer, typers):
        with pytest.raises(ValueError, match="a single_label model classifies texts; tagging words needs"):
            model.entities(["Rebels attacked Idlib."])
    for model in (tagger, seeds):
        with pytest.raises(ValueError, match="a token model tags words; classifying texts needs"):
            model.text_probs(["Rebels attacked Idlib."])
