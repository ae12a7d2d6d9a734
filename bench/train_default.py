"""Train relvec's default recipe and report wall time, peak memory, validation accuracy by epoch and the
analogy accuracy of the trained model next to the untrained encoder.

    python bench/train_default.py                       # default recipe, seed 0, test splits
    python bench/train_default.py --seeds 0 1 2         # mean over seeds
    python bench/train_default.py --set lr=1e-4 epochs=20 --split valid   # tuning: validation splits only

Needs the data folder ($RELVEC_DATA or --data-dir). Runs go to runs/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

from relvec import RelationEncoder
from relvec.data import load_analogy
from relvec.tasks.analogy import analogy_accuracy
from relvec.training.config import TrainConfig
from relvec.training.loop import train

TEST_SETS = ["u2", "u4", "google", "bats", "scan", "nell_one", "t_rex", "conceptnet"]
VALID_SETS = ["u2", "u4", "google", "bats", "t_rex", "conceptnet"]  # scan and nell_one have no valid split


def parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def analogy_table(encoder, split: str, data_dir) -> dict[str, float]:
    names = TEST_SETS if split == "test" else VALID_SETS
    scores = {name: analogy_accuracy(encoder, load_analogy(name, split, data_dir))["accuracy"] for name in names}
    scores["average"] = round(statistics.mean(scores.values()), 2)
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="override recipe options")
    parser.add_argument("--split", choices=["valid", "test"], default="test")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--runs", default="runs", help="folder for the trained models")
    parser.add_argument("--no-baseline", action="store_true", help="skip the untrained encoder")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args()

    overrides = dict(item.split("=", 1) for item in args.set)
    base = TrainConfig.from_dict({k: parse_value(v) for k, v in overrides.items()}, source="--set")
    tag = "default" if not overrides else "-".join(f"{k}{v}" for k, v in sorted(overrides.items()))
    print(f"recipe: {json.dumps(base.to_dict())}")
    rows = {}
    if not args.no_baseline:
        untrained = RelationEncoder(base.encoder, base.template, base.pooling)
        rows["untrained"] = analogy_table(untrained, args.split, args.data_dir)
        print(f"untrained {args.split}: {json.dumps(rows['untrained'])}", flush=True)
    for seed in args.seeds:
        config = TrainConfig.from_dict({**base.to_dict(), "seed": seed})
        output = Path(args.runs) / f"{tag}-seed{seed}"
        started = time.perf_counter()
        result = train(config, output, data_dir=args.data_dir, overwrite=True, progress=not args.quiet)
        wall = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        curve = ", ".join(f"{a:.1f}" for a in result.validation)
        print(
            f"seed {seed}: train wall time {wall:.0f} s, peak RSS {peak_mb:.0f} MB (process so far), "
            f"validation accuracy by epoch: {curve}; best epoch {result.best_epoch + 1}",
            flush=True,
        )
        rows[f"seed{seed}"] = analogy_table(RelationEncoder(output), args.split, args.data_dir)
        rows[f"seed{seed}"]["train_seconds"] = round(wall, 1)
        print(f"seed {seed} {args.split}: {json.dumps(rows[f'seed{seed}'])}", flush=True)
    trained = [rows[f"seed{s}"] for s in args.seeds]
    names = [k for k in trained[0] if k != "train_seconds"]
    mean = {name: round(statistics.mean(r[name] for r in trained), 2) for name in names}
    print(f"\n{args.split} accuracy (%), mean over seeds {args.seeds}:")
    print("| model | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    if "untrained" in rows:
        print("| untrained | " + " | ".join(f"{rows['untrained'][n]:.1f}" for n in names) + " |")
    print("| relvec default | " + " | ".join(f"{mean[n]:.1f}" for n in names) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
