"""Predict entities and events for articles from a file or stdin.

    python -m inference.predict --model <MLflow URI or predictor folder> --input article.txt --output out.json
    python -m inference.predict --model models:/conflict-news@champion --input articles.jsonl --output out.jsonl
    cat article.txt | python -m inference.predict --model <uri> > out.json
    python -m inference.predict --model <uri> --tasks entities --input articles.jsonl   # entities only

``.txt`` (or stdin) is one article and gives one JSON object. ``.jsonl`` holds one ``{"id", "text"}`` object per
line and gives one JSON line per non-blank input line, in order. A line that is not valid UTF-8 or JSON, has no
string ``text``, or holds an unpaired surrogate (a ``\\ud800`` escape) in its ``text`` or ``id``, gets an
``{"line", "error"}`` record (with ``id`` when it could be read) in its place; every other line is still
predicted, and the command exits with status 1 after reporting each bad line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from tqdm import tqdm

from inference.onnx_runtime import BACKENDS
from inference.predictor import PREDICTOR_TASKS, Predictor
from inference.text_checks import surrogate_problem


def parse_jsonl(raw_lines: list[bytes], source: str) -> tuple[list[dict], list[dict]]:
    """Valid ``{"id", "text"}`` records (with their line numbers) and error records for the bad lines."""
    good, bad = [], []
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as err:
            bad.append({"line": number, "error": f"{source}:{number}: invalid UTF-8 ({err.reason})"})
            continue
        except json.JSONDecodeError as err:
            bad.append({"line": number, "error": f"{source}:{number}: invalid JSON ({err.msg})"})
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            bad.append({"line": number, "id": record.get("id") if isinstance(record, dict) else None,
                        "error": f"{source}:{number}: needs a string 'text' field"})
            continue
        ident = record.get("id")
        if problem := surrogate_problem(ident if isinstance(ident, str) else json.dumps(ident, ensure_ascii=False)):
            bad.append({"line": number, "error": f"{source}:{number}: field 'id': {problem}"})
            continue
        if problem := surrogate_problem(record["text"]):
            bad.append({"line": number, "id": ident, "error": f"{source}:{number}: field 'text': {problem}"})
            continue
        good.append({"line": number, "id": record.get("id", number), "text": record["text"]})
    return good, bad


def decode_article(raw: bytes, name: str) -> str:
    """The text of a one-article file; bytes that are not UTF-8 are a ValueError naming ``name`` and the line."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise ValueError(f"{name}:{line}: invalid UTF-8 ({err.reason})") from None


def predict_records(predictor: Predictor, records: list[dict], batch_size: int) -> list[dict]:
    """Predictions for records, in batches, with a progress bar on stderr when there is more than one batch."""
    out = []
    batches = range(0, len(records), batch_size)
    for start in tqdm(batches, desc="articles", unit="batch", disable=len(batches) <= 1, file=sys.stderr):
        chunk = records[start:start + batch_size]
        for record, prediction in zip(chunk, predictor.predict_batch([r["text"] for r in chunk])):
            out.append({"id": record["id"], **prediction})
    return out


def run(model: str, source: BinaryIO, name: str, jsonl: bool, sink: TextIO, batch_size: int,
        backend: str = "torch", tasks: Sequence[str] = tuple(PREDICTOR_TASKS)) -> int:
    """Predict ``source`` into ``sink``; returns the exit status (1 if any line was bad)."""
    raw = source.read()
    predictor = Predictor.load(model, backend=backend, tasks=tasks)
    if not jsonl:
        try:
            text = decode_article(raw, name)
        except ValueError as err:
            print(err, file=sys.stderr)
            return 1
        json.dump(predictor.predict(text), sink, ensure_ascii=False, indent=2)
        sink.write("\n")
        return 0
    good, bad = parse_jsonl([line.removesuffix(b"\r") for line in raw.split(b"\n")], name)
    results = {r["line"]: r for r in bad}
    for record, prediction in zip(good, predict_records(predictor, good, batch_size)):
        results[record["line"]] = prediction
    for line in sorted(results):
        sink.write(json.dumps(results[line], ensure_ascii=False) + "\n")
    for record in bad:
        print(record["error"], file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inference.predict", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="MLflow model URI or local predictor folder")
    parser.add_argument("--input", default="-", help=".txt (one article), .jsonl ({id, text} per line) or - (stdin)")
    parser.add_argument("--output", default="-", help="output file, or - for stdout")
    parser.add_argument("--jsonl", action="store_true", help="treat stdin as JSON Lines")
    parser.add_argument("--batch-size", type=int, default=16, help="articles per batch")
    parser.add_argument("--backend", choices=BACKENDS, default="torch", help="torch, or ONNX Runtime (onnx, onnx-int8)")
    parser.add_argument("--tasks", nargs="+", choices=list(PREDICTOR_TASKS), default=list(PREDICTOR_TASKS),
                        help="what to predict (default both); only these models are loaded")
    args = parser.parse_args(argv)
    jsonl = args.jsonl or args.input.lower().endswith(".jsonl")
    with contextlib.ExitStack() as stack:
        source = sys.stdin.buffer if args.input == "-" else stack.enter_context(Path(args.input).open("rb"))
        sink = sys.stdout if args.output == "-" else stack.enter_context(Path(args.output).open("w", encoding="utf-8"))
        return run(args.model, source, args.input if args.input != "-" else "<stdin>", jsonl, sink, args.batch_size,
                   args.backend, args.tasks)


if __name__ == "__main__":
    sys.exit(main())
