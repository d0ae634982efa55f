r"""Sample the texts of the team's annotation sets: real-news sentences and articles for ACLED events
(``resources/acled/realnews-v1``) and cased news for entities (``benchmarks/cased_entities``).

    python -m benchmarks.annotation.sample [--data-dir ../shared/data] [--out annotation-work]

Writes work files that annotators read, each record a location in the data root (``training.data.located``) with
its text: ``events_train.jsonl`` (2,000 train sentences), ``events_dev.jsonl`` (500 dev sentences),
``events_articles.jsonl`` (30 dev articles) and ``entities.jsonl`` (308 dev texts). The annotation files keep the
locations and drop the texts. Seeded: the same data gives the same samples (the data cards say how they were drawn).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

from inference.sentences import split_sentences
from training.data import carve

MIN_WORDS, MAX_WORDS = 6, 90
DATA = Path()


def lines(rel: str) -> list[str]:
    """The lines of a data-root file, without line ends."""
    raw = (DATA / rel).read_bytes().decode("utf-8").split("\n")
    if raw[-1] == "":
        raw.pop()
    return [line.removesuffix("\r") for line in raw]


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def item(rel: str, line: int, text: str, start: int, end: int, source: str, key: tuple = ("column", 0),
         extra: dict | None = None) -> dict:
    """A work record: the location of ``text[start:end]`` (``key``: how the line holds the text) and the span."""
    rec = {"path": rel, "line": line, key[0]: key[1], "sha1": sha1(text), "start": start, "end": end,
           "source": source, "text": text[start:end]}
    rec.update(extra or {})
    return rec


def good(sentence: str) -> bool:
    n = len(sentence.split())
    return MIN_WORDS <= n <= MAX_WORDS


def tsv_sentences(rel: str, source: str, rows: set[int] | None = None, whole: bool = False) -> list[dict]:
    """Sentences (or ``whole`` texts) of column 0 of a TSV file, of the 0-based ``rows`` if given."""
    out = []
    for k, line in enumerate(lines(rel)):
        if not line.strip() or (rows is not None and k not in rows):
            continue
        text = line.split("\t")[0]
        spans = [(0, len(text))] if whole else split_sentences(text)
        out += [item(rel, k + 1, text, s, e, source) for s, e in spans if good(text[s:e])]
    return out


def jsonl_sentences(rel: str, field: str, source: str, keep) -> list[dict]:
    """Sentences of ``field`` of the JSON lines that ``keep`` accepts."""
    out = []
    for k, line in enumerate(lines(rel)):
        row = json.loads(line)
        if not keep(row):
            continue
        text = row[field]
        for s, e in split_sentences(text):
            if good(text[s:e]):
                out.append(item(rel, k + 1, text, s, e, source, ("field", field),
                                {"doc": row.get("doc_id", row.get("docid")), "gold": row.get("sent_labels")}))
    return out


def conll_sentences(rel: str, source: str) -> list[dict]:
    """The sentences of a CoNLL file, tokens joined by single spaces."""
    out, tokens, first = [], [], None
    for k, line in enumerate(lines(rel) + [""]):
        if line.strip():
            first = first or k + 1
            tokens.append(line.split()[0])
        elif tokens:
            text = " ".join(tokens)
            if good(text):
                out.append(item(rel, first, text, 0, len(text), source, ("conll", True)))
            tokens, first = [], None
    return out


def sample(out: Path) -> None:
    """Write the four work files into ``out``."""
    rng = random.Random(2026)
    ipe_split = json.loads((DATA / "india_police_events/splits.json").read_text())
    ipe_dev, ipe_train = set(ipe_split["dev"]), set(ipe_split["train"])
    cameo = [k for k, line in enumerate(lines("cameo/cameo_class/train.tsv")) if line.strip()]
    cameo_train, cameo_dev = (set(part) for part in carve(cameo, 0.15, 13))  # data=cameo_class's dev carve

    # ---- articles (article-level event dev set): IPE dev docs and MUC dev docs of moderate length
    ipe_docs = [(k, json.loads(line)) for k, line in enumerate(lines("india_police_events/docs.jsonl"))]
    ipe_docs = [(k, d) for k, d in ipe_docs if d["doc_id"] in ipe_dev and 120 <= len(d["doc_text"].split()) <= 550]
    muc_dev = [(k, json.loads(line)) for k, line in enumerate(lines("muc34/grit_processed/dev.json"))]
    muc_dev = [(k, d) for k, d in muc_dev if 120 <= len(d["doctext"].split()) <= 550]
    rng.shuffle(ipe_docs)
    rng.shuffle(muc_dev)
    # half of the IPE picks from documents with a police action, so the set is not mostly empty
    ipe_pick = [x for x in ipe_docs if x[1]["doc_labels"]][:8] + [x for x in ipe_docs if not x[1]["doc_labels"]][:7]
    muc_pick = muc_dev[:15]
    articles = [item("india_police_events/docs.jsonl", k + 1, d["doc_text"], 0, len(d["doc_text"]), "ipe",
                     ("field", "doc_text"), {"doc": d["doc_id"]}) for k, d in ipe_pick]
    articles += [item("muc34/grit_processed/dev.json", k + 1, d["doctext"], 0, len(d["doctext"]), "muc",
                      ("field", "doctext"), {"doc": d["docid"]}) for k, d in muc_pick]
    article_docs = {a["doc"] for a in articles}

    # ---- sentence pools
    def pools(split):
        dev = split == "dev"
        ipe = jsonl_sentences("india_police_events/sents.jsonl", "sent_text", "ipe",
                              lambda r: r["doc_id"] in (ipe_dev if dev else ipe_train) and r["doc_id"] not in article_docs)
        muc = jsonl_sentences(f"muc34/grit_processed/{'dev' if dev else 'train'}.json", "doctext", "muc",
                              lambda r: r["docid"] not in article_docs)
        satp = tsv_sentences(f"satp_relevant/{'dev' if dev else 'train'}.tsv", "satp")
        cam = tsv_sentences("cameo/cameo_class/train.tsv", "cameo", cameo_dev if dev else cameo_train, whole=True)
        re3d = conll_sentences(f"re3d/{'dev' if dev else 'train'}.txt", "re3d")
        return {"ipe": ipe, "muc": muc, "satp": satp, "cameo": cam, "re3d": re3d}

    quotas = {"train": {"ipe": 460, "muc": 460, "satp": 430, "cameo": 400, "re3d": 250},
              "dev": {"ipe": 115, "muc": 115, "satp": 105, "cameo": 100, "re3d": 65}}
    sets = {}
    for split, quota in quotas.items():
        chosen = []
        for source, pool in pools(split).items():
            rng.shuffle(pool)
            if source == "ipe":  # half from sentences with a police action label, half from the rest
                pos = [p for p in pool if p["gold"]]
                neg = [p for p in pool if not p["gold"]]
                pool = pos[: quota[source] // 2] + neg[: quota[source] - min(len(pos), quota[source] // 2)]
            if len(pool) < quota[source]:
                raise SystemExit(f"{split} {source}: only {len(pool)} sentences")
            chosen += pool[: quota[source]]
        rng.shuffle(chosen)
        for rec in chosen:
            rec.pop("gold", None)
        sets[split] = chosen
    for split, chosen in sets.items():
        for n, rec in enumerate(chosen, 1):
            rec["id"] = f"{split}-{n:04d}"
    for n, rec in enumerate(articles, 1):
        rec["id"] = f"article-{n:02d}"

    # ---- cased entity set: SATP dev snippets, re3d dev sentences, CAMEO dev-carve sentences
    satp = [k for k, line in enumerate(lines("satp_relevant/dev.tsv")) if line.strip()]
    rng.shuffle(satp)
    ent = tsv_sentences("satp_relevant/dev.tsv", "satp", set(satp[:110]), whole=True)
    re3d = conll_sentences("re3d/dev.txt", "re3d")
    rng.shuffle(re3d)
    ent += re3d[:110]
    cam = tsv_sentences("cameo/cameo_class/train.tsv", "cameo", cameo_dev, whole=True)
    rng.shuffle(cam)
    ent += cam[:90]
    # longer SATP snippets (91 to 220 words), added to reach 1,500 entity mentions
    used = {(rec["path"], rec["line"]) for rec in ent}
    satp_lines = lines("satp_relevant/dev.tsv")
    longer = [(k + 1, line.split("\t")[0]) for k, line in enumerate(satp_lines)
              if line.strip() and ("satp_relevant/dev.tsv", k + 1) not in used
              and MAX_WORDS < len(line.split("\t")[0].split()) <= 220]
    random.Random(7).shuffle(longer)
    ent += [item("satp_relevant/dev.tsv", number, text, 0, len(text), "satp") for number, text in longer[:40]]
    for n, rec in enumerate(ent, 1):
        rec["id"] = f"ent-{n:03d}"

    def write(name, recs):
        out.mkdir(parents=True, exist_ok=True)
        with open(out / name, "w", encoding="utf-8") as f:
            for rec in recs:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        print(out / name, len(recs))

    write("events_train.jsonl", sets["train"])
    write("events_dev.jsonl", sets["dev"])
    write("events_articles.jsonl", articles)
    write("entities.jsonl", ent)


def main(argv: list[str] | None = None) -> None:
    global DATA
    parser = argparse.ArgumentParser(prog="python -m benchmarks.annotation.sample", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2].parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=Path("annotation-work"))
    args = parser.parse_args(argv)
    DATA = args.data_dir
    sample(args.out)


if __name__ == "__main__":
    main()
