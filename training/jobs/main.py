"""The main job: train the entity tagger and the event typer, package the predictor, predict a sample article.

The entity tagger learns from re3d_seed's gold sentences plus spaCy silver labels on SATP and CAMEO train sentences
(``training.jobs.silver``, written under the job's output folder). The event model is the event-anchor tagger
(``experiment=acled_anchors``), trained on the team's real-news annotations; its threshold is tuned on their dev
sentences when it is packaged.

    python -m training.jobs.main [--article resources/sample_article.txt] [--smoke]

Every step is logged to MLflow (SQLite ``mlflow.db`` in the working directory unless ``MLFLOW_TRACKING_URI`` is
set); the predictor is registered as ``models:/conflict-news@champion``. ``--smoke`` trains the tiny random model
for two steps instead (to check the plumbing in seconds).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

from hydra import compose, initialize_config_dir

from inference.predict import decode_article
from inference.predictor import Predictor
from training.jobs.package import package
from training.jobs.silver import build as build_silver
from training.tracking.mlflow import PROJECT_ROOT
from training.train import train

CONF_DIR = PROJECT_ROOT / "conf"
SMOKE_TRAINING = ["model=tiny", "trainer.max_steps=2", "trainer.num_train_epochs=1"]
SMOKE_SILVER = ["max_sentences=20"]


def run_main_job(article: Path, output_dir: Path, smoke: bool = False) -> dict:
    """Write the silver entity labels, train the entity tagger and the event typers, package them, and return the
    prediction for ``article`` (read first, so that an unreadable article fails before any training)."""
    text = decode_article(article.read_bytes(), str(article))
    training, silver = (SMOKE_TRAINING, SMOKE_SILVER) if smoke else ([], [])
    silver_dir = (output_dir / "silver").resolve()
    steps = [("silver", build_silver, "silver", [f"out_dir={silver_dir}", *silver]),
             ("entities", train, "train", ["experiment=re3d_seed_silver", *training,
                                           f"data.train.path={silver_dir / 'train.conll'}",
                                           f"data.dev.path={silver_dir / 'dev.conll'}"]),
             ("events", train, "train", ["experiment=acled_anchors", *training])]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        for step, run, config_name, overrides in steps:
            started = time.perf_counter()
            run(compose(config_name, [*overrides, f"paths.output_dir={output_dir / step}"]))
            print(f"[main] {step}: {time.perf_counter() - started:.0f} s")
        uri = package(compose("package", [f"paths.output_dir={output_dir / 'package'}"]))
    prediction = Predictor.load(uri).predict(text)
    print(f"[main] prediction for {article} with {uri}:")
    print(json.dumps(prediction, ensure_ascii=False, indent=2))
    return prediction


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.jobs.main", description=__doc__.split("\n\n")[0])
    parser.add_argument("--article", type=Path, default=PROJECT_ROOT / "resources" / "sample_article.txt")
    parser.add_argument("--output-dir", type=Path,
                        default=Path("outputs") / "main" / datetime.now().strftime("%Y-%m-%d_%H-%M-%S"))
    parser.add_argument("--smoke", action="store_true", help="tiny random models, two steps each")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    run_main_job(args.article, args.output_dir, args.smoke)
    print(f"[main] done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
