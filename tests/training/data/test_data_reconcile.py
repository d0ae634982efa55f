import collections

from training.data.reconcile import reconcile_names

OPTIONS = {"types": ["ORG", "PER", "LOC"], "strip_leading": ["the"], "titles": ["foreign", "minister"]}


def _example(tokens, tags):
    return {"id": "x", "tokens": tokens.split(), "tags": tags.split()}


def test_names_only():
    examples = [
        _example("He met Foreign Minister Sergei Lavrov in Geneva", "B-PER O B-PER I-PER I-PER I-PER O B-LOC"),
        _example("Coalition forces hit the Islamic State near here", "B-ORG I-ORG O B-ORG I-ORG I-ORG O B-LOC"),
        _example("Assad spoke to coalition partners today", "B-PER O O B-ORG I-ORG B-TIME"),
    ]
    stats = collections.Counter()
    out = reconcile_names(examples, OPTIONS, stats)
    assert out[0]["tags"] == "O O O O B-PER I-PER O B-LOC".split()            # pronoun dropped, title stripped
    assert out[1]["tags"] == "O O O O B-ORG I-ORG O O".split()                # description dropped, "the" stripped
    assert out[2]["tags"] == "B-PER O O O O B-TIME".split()                   # sentence-initial name kept
    assert stats["reconcile.dropped_PER"] == 1 and stats["reconcile.dropped_ORG"] == 2
    assert stats["reconcile.dropped_LOC"] == 1 and stats["reconcile.stripped_tokens"] == 3
