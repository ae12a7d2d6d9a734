"""Tune training recipes on validation data: train each recipe with several seeds (in parallel worker
processes), then score every trained model on the analogy splits under every scoring lever at once.

    python bench/sweep.py recipes.json --seeds 0 1 2 --parallel 2 -o runs/sweep.jsonl

``recipes.json`` is a list of ``{"name": ..., <TrainConfig options>}``. Each (recipe, seed) trains into
``--runs/NAME-seedS`` and appends one JSON line to the output: the SemEval validation accuracy of the best
epoch, the training wall time, and the accuracy of every (split, dataset, direction, glove weight,
template set) combination, so that the levers are read off one table. Choices are made on the ``valid``
columns only; ``test`` columns are reported for the chosen recipes.

Scoring levers measured for every model:
    direction      forward (the paper's), both (forward and reversed pairs averaged)
    glove weight   w: the hybrid vector [unit(relation), sqrt(w) * unit(glove(tail) - glove(head))]
    templates      the model's own template alone, or the mean of its unit vectors over templates a, c, d
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

VALID_SETS = ["u2", "u4", "google", "bats", "t_rex", "conceptnet"]
TEST_SETS = ["u2", "u4", "google", "bats", "scan", "nell_one", "t_rex", "conceptnet"]
WEIGHTS = [0.0, 0.1, 0.25, 0.5, 1.0]
ENSEMBLE = ("a", "c", "d")


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _static(glove_npz: str | None):
    from relvec.embedding.glove import GloveDifference

    if glove_npz is None:
        return GloveDifference()
    data = np.load(glove_npz, allow_pickle=False)
    words = [str(word) for word in data["words"]]
    return GloveDifference({word: i for i, word in enumerate(words)}, data["vectors"])


def _accuracy(questions, index, contextual, static, known, weight: float, direction: str) -> float:
    """Analogy accuracy with the hybrid vector [unit(contextual), sqrt(w) unit(static)], cosine scoring, the
    lowest index winning ties (as relvec.tasks.analogy): computed from the two parts' dot products."""

    def cosines(stem, choices):
        s, c = index[stem], [index[choice] for choice in choices]
        dot = contextual[c] @ contextual[s] + weight * (static[c] @ static[s])
        return dot / np.sqrt((1 + weight * known[s]) * (1 + weight * known[c]))

    correct = 0
    for q in questions:
        stem, choices = tuple(q.stem), [tuple(c) for c in q.choices]
        scores = cosines(stem, choices)
        if direction == "both":
            scores = (scores + cosines(stem[::-1], [c[::-1] for c in choices])) / 2
        correct += int(np.argmax(scores)) == q.answer
    return round(100.0 * correct / len(questions), 2)


def score_model(
    folder: str, data_dir: str | None, glove_npz: str | None, device: str | None, ensemble: bool = True
) -> dict:
    from relvec import RelationEncoder
    from relvec.data import load_analogy

    questions = {
        (split, name): load_analogy(name, split, data_dir)
        for split, names in (("valid", VALID_SETS), ("test", TEST_SETS))
        for name in names
    }
    pairs = sorted(
        {
            pair
            for qs in questions.values()
            for q in qs
            for p in [q.stem, *q.choices]
            for pair in ((p[0], p[1]), (p[1], p[0]))
        }
    )
    index = {pair: i for i, pair in enumerate(pairs)}
    encoder = RelationEncoder(folder, device=device, static_weight=0)  # the static part is joined below, per w
    own = _unit(encoder.encode(pairs))
    variants = [("own", own)]
    if ensemble:
        others = [
            _unit(RelationEncoder(folder, template=template, device=device, static_weight=0).encode(pairs))
            for template in ENSEMBLE
            if template != encoder.template.name
        ]
        variants.append(("ensemble", _unit(np.mean([own, *others], axis=0))))
    static = _unit(_static(glove_npz).encode(pairs))
    known = (np.linalg.norm(static, axis=1) > 0).astype(np.float64)
    results = {}
    for templates, contextual in variants:
        for weight in WEIGHTS:
            for direction in ("forward", "both"):
                key = f"{templates}|w{weight}|{direction}"
                for (split, name), qs in questions.items():
                    accuracy = _accuracy(qs, index, contextual, static, known, weight, direction)
                    results.setdefault(key, {}).setdefault(split, {})[name] = accuracy
                for split in ("valid", "test"):
                    values = results[key][split]
                    values["mean"] = round(float(np.mean(list(values.values()))), 2)
    return results


def worker(args: argparse.Namespace) -> int:
    from relvec.training.config import TrainConfig
    from relvec.training.loop import train

    recipe = json.loads(args.recipe)
    name = recipe.pop("name")
    config = TrainConfig.from_dict({**recipe, "seed": args.seed}, source=name)
    output = Path(args.runs) / f"{name}-seed{args.seed}"
    started = time.perf_counter()
    result = train(config, output, data_dir=args.data_dir, overwrite=True, progress=False)
    seconds = time.perf_counter() - started
    scores = score_model(str(output), args.data_dir, args.glove, config.device, ensemble=not args.no_ensemble)
    line = {
        "name": name,
        "seed": args.seed,
        "recipe": recipe,
        "train_seconds": round(seconds, 1),
        "best_epoch": result.best_epoch + 1,
        "semeval_valid": result.best_accuracy,
        "semeval_valid_by_epoch": result.validation,
        "scores": scores,
    }
    print("RESULT " + json.dumps(line), flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recipes", nargs="?", help="JSON file: a list of recipes")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--parallel", type=int, default=1, help="worker processes at once")
    parser.add_argument("--threads", type=int, default=None, help="torch threads per worker")
    parser.add_argument("-o", "--output", default="runs/sweep.jsonl")
    parser.add_argument("--runs", default="runs/sweep", help="folder for the trained models")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--glove", default=None, help="npz with 'words' and 'vectors' (default: GloVe 6B 50d)")
    parser.add_argument("--no-ensemble", action="store_true", help="skip the template ensemble (3x less encoding)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--recipe", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.worker:
        return worker(args)

    recipes = json.loads(Path(args.recipes).read_text())
    jobs = [(recipe, seed) for recipe in recipes for seed in args.seeds]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)

    def run(job):
        recipe, seed = job
        command = [sys.executable, __file__, "--worker", "--recipe", json.dumps(recipe), "--seed", str(seed)]
        command += ["--runs", args.runs] + (["--data-dir", args.data_dir] if args.data_dir else [])
        command += ["--no-ensemble"] if args.no_ensemble else []
        command += (["--glove", args.glove] if args.glove else []) + (
            ["--threads", str(args.threads)] if args.threads else []
        )
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
        lines = [line[7:] for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode or not lines:
            print(f"FAILED {recipe['name']} seed {seed}: {done.stderr[-2000:]}", flush=True)
            return
        with open(args.output, "a", encoding="utf-8") as out:
            out.write(lines[-1] + "\n")
        result = json.loads(lines[-1])
        own = result["scores"]["own|w0.0|forward"]["valid"]["mean"]
        print(f"done {recipe['name']} seed {seed}: {result['train_seconds']} s, valid mean {own}", flush=True)

    with ThreadPoolExecutor(args.parallel) as pool:
        list(pool.map(run, jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
