"""Silver entity labels for the seed tagger: spaCy's entities on unlabelled train-split text, mapped to the seed
schema and written after the gold sentences as one CoNLL training set (distillation).

    python -m training.jobs.silver                                   # re3d_seed + spaCy on SATP and CAMEO train text
    python -m training.jobs.silver data@sources.satp=ipe_sents max_sentences=300
    python -m training.jobs.silver '~data@sources.cameo_class' max_sentences=1000   # SATP alone
    python -m training.train experiment=re3d_seed_silver        # train on what it wrote

Writes ``<out_dir>/train.conll`` (the gold train split, then the silver sentences), ``<out_dir>/dev.conll`` (the
gold dev split, unchanged: scores stay comparable with the gold-only tagger) and ``<out_dir>/card.json``
(sources, spaCy model and version, counts). Only train splits are labelled, so dev text and the hand-annotated
benchmark texts stay held apart.
"""

from __future__ import annotations

import collections
import json
import random
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import hydra
from omegaconf import DictConfig

from inference.names import name_bounds
from inference.sentences import split_sentences
from training import config  # noqa: F401  (sets PROJECT_ROOT, used by the config's search path)
from training.data import load_splits
from training.data.base import word_tags

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

SPACY_TO_SEED = {"ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "PERSON": "PER", "NORP": "NORP",
                 "DATE": "TIME", "TIME": "TIME"}  # spaCy's OntoNotes types in the seed schema; others dropped
Span = tuple[int, int, str]


def trimmed(text: str, span: Span) -> Span | None:
    """The span trimmed to the name it holds (``inference.names.name_bounds``, the seed schema's convention for
    names); None when nothing visible is left."""
    start, end, label = span
    bounds = name_bounds(text, start, end)
    return None if bounds is None else (*bounds, label)


def spacy_spans(doc: Doc) -> list[Span]:
    """A spaCy doc's entities in the seed schema (``SPACY_TO_SEED``; other types dropped), trimmed."""
    spans = [trimmed(doc.text, (ent.start_char, ent.end_char, SPACY_TO_SEED[ent.label_])) for ent in doc.ents
             if ent.label_ in SPACY_TO_SEED]
    return [span for span in spans if span is not None]


def sample_sentences(texts: Iterable[str], max_sentences: int | None, seed: int) -> list[str]:
    """The sentences of ``texts`` (``split_sentences``, as the predictor reads them) in a seeded shuffle: all of
    them, or the first ``max_sentences``."""
    sentences = [text[s:e] for text in texts for s, e in split_sentences(text)]
    random.Random(seed).shuffle(sentences)
    return sentences if max_sentences is None else sentences[:max_sentences]


def source_sentences(cfg: DictConfig) -> dict[str, tuple[str, list[str]]]:
    """For each text dataset of ``cfg.sources``: its description (name and train texts) and the sentences of its
    train split that ``sample_sentences`` keeps (``cfg.max_sentences``, ``cfg.seed``). No source, or a source
    without sentences, is refused."""
    sources = cfg.get("sources") or {}
    if not sources:
        raise ValueError("at least one source of unlabelled text is needed (sources)")
    out = {}
    for key, source in sources.items():
        texts = list(load_splits(source).splits["train"]["text"])
        sentences = sample_sentences(texts, cfg.max_sentences, cfg.seed)
        if not sentences:
            raise ValueError(f"no sentences in the train split of data={source.name} (sources.{key})")
        out[key] = (f"{source.name} train ({len(texts)} texts)", sentences)
    return out


def silver_sentences(sentences: Iterable[str], nlp: Language, prefix: str = "silver") -> list[dict]:
    """``sentences`` tagged by ``nlp`` in the seed schema, with ids ``<prefix>:<index>``."""
    out = []
    for i, doc in enumerate(nlp.pipe(sentences)):
        tokens, tags = word_tags(doc.text, spacy_spans(doc), skip_overlaps=True)
        out.append({"id": f"{prefix}:{i}", "tokens": tokens, "tags": tags})
    return out


def write_conll(path: Path, examples: Iterable[dict]) -> None:
    """``TOKEN<TAB>TAG`` lines, a blank line after each sentence."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for example in examples:
            out.writelines(f"{token}\t{tag}\n" for token, tag in zip(example["tokens"], example["tags"], strict=True))
            out.write("\n")


def entity_counts(examples: Iterable[dict]) -> dict[str, int]:
    """Entities per type (``B-`` tags)."""
    return dict(collections.Counter(tag[2:] for example in examples for tag in example["tags"]
                                    if tag.startswith("B-")))


def build(cfg: DictConfig, nlp: Language | None = None) -> dict:
    """Write the gold + silver train file (the gold sentences, then each source's silver sentences), the gold dev
    file and the card; returns the card. ``nlp`` defaults to ``spacy.load(cfg.spacy_model)``."""
    sources = source_sentences(cfg)
    if nlp is None:
        import spacy

        nlp = spacy.load(cfg.spacy_model)
    gold = load_splits(cfg.gold).splits
    silver = [ex for key, (_, sentences) in sources.items() for ex in silver_sentences(sentences, nlp, prefix=key)]
    out_dir = Path(cfg.out_dir)
    write_conll(out_dir / "train.conll", [*gold["train"], *silver])
    write_conll(out_dir / "dev.conll", gold["dev"])
    card = {"gold": cfg.gold.name, "sources": {key: about for key, (about, _) in sources.items()},
            "spacy_model": cfg.spacy_model, "spacy_version": version("spacy"), "max_sentences": cfg.max_sentences,
            "seed": cfg.seed, "gold_sentences": len(gold["train"]),
            "silver_sentences": {key: len(sentences) for key, (_, sentences) in sources.items()},
            "gold_entities": entity_counts(gold["train"]), "silver_entities": entity_counts(silver),
            "dev_sentences": len(gold["dev"])}
    return write_card(out_dir, card)


def write_card(out_dir: Path, card: dict) -> dict:
    """Write ``card.json`` (what a written training set holds and where it came from); returns the card."""
    (out_dir / "card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
    return card


@hydra.main(version_base="1.3", config_path="../../conf", config_name="silver")
def main(cfg: DictConfig) -> None:
    print(json.dumps(build(cfg), indent=2))


if __name__ == "__main__":
    main()
