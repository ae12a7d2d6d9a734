"""What int8 costs in accuracy: the eight analogy test sets, fp32 against int8, same model, same run.

    python bench/int8_accuracy.py                          # all-MiniLM-L6-v2, template c, pooling difference
    python bench/int8_accuracy.py --model relvec-mpnet     # a shipped or trained model (its own template, pooling)

Prints a table per set and, alone on the last line, ``int8_accuracy_delta: D``: the 8-set mean accuracy in
points, int8 minus fp32.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch

from relvec import RelationEncoder
from relvec.data import load_analogy
from relvec.embedding.backend import TorchBackend, quantize_int8
from relvec.embedding.precision import cpu_kind, cpu_name
from relvec.tasks.analogy import analogy_accuracy

TEST_SETS = ["u2", "u4", "google", "bats", "scan", "nell_one", "t_rex", "conceptnet"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--template", default=None, help="default c for all-MiniLM-L6-v2, else the model's own")
    parser.add_argument("--pooling", default=None, help="default difference for all-MiniLM-L6-v2, else the model's")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ffn-fp32", action="store_true", help="also int8 with the FFN down-projections in fp32")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    plain = args.model == "all-MiniLM-L6-v2"
    template = args.template or ("c" if plain else None)
    pooling = args.pooling or ("difference" if plain else None)
    sets = {name: load_analogy(name, "test", args.data_dir) for name in TEST_SETS}
    variants = ("fp32", "int8", "int8, FFN out fp32") if args.ffn_fp32 else ("fp32", "int8")
    scores: dict[str, dict[str, float]] = {}
    seconds: dict[str, float] = {}
    for variant in variants:
        encoder = RelationEncoder(args.model, template, pooling, device="cpu", precision=variant[:4])
        if variant == "int8, FFN out fp32":  # the feed-forward down-projections (BERT's "output.dense") kept
            names = [name for name, _ in encoder.model.named_modules() if name.endswith("output.dense")]
            keep = tuple(name for name in names if ".attention." not in name)
            encoder.use_backend(TorchBackend(quantize_int8(encoder.model, keep)))
        started = time.perf_counter()
        scores[variant] = {name: analogy_accuracy(encoder, questions)["accuracy"] for name, questions in sets.items()}
        scores[variant]["mean"] = statistics.mean(scores[variant].values())
        seconds[variant] = time.perf_counter() - started

    prompt = f"template {template or 'stored'}, pooling {pooling or 'stored'}"
    print(f"{args.model}, {prompt}; CPU: {cpu_name()} ({cpu_kind()})")
    print(f"{'set':<12}" + "".join(f"{variant:>20}" for variant in variants) + f"{'int8 - fp32':>14}")
    for name in [*TEST_SETS, "mean"]:
        row = [scores[variant][name] for variant in variants]
        print(f"{name:<12}" + "".join(f"{value:>20.2f}" for value in row) + f"{row[1] - row[0]:>+14.2f}")
    print("wall time: " + ", ".join(f"{variant} {s:.0f} s" for variant, s in seconds.items()))
    print(f"int8_accuracy_delta: {scores['int8']['mean'] - scores['fp32']['mean']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
