"""Training throughput of the default recipe in fp32 and in bf16 autocast, against the machine's limit.

    python bench/train_throughput.py                 # needs $RELVEC_DATA (or --data-dir)
    python bench/train_throughput.py --precisions fp32 --epochs 3

Each precision trains the full default recipe (seed 0) and reports its wall time, the rate of training
steps (forward, backward, clipping and optimiser step, as the log times them) in pairs per second, and
that rate's fraction of the limit: three times the forward FLOPs of the prompts the steps encoded
(counted from the encoder's configuration and the real token counts), divided by the fp32
matrix-multiply rate torch reaches here, measured in the same run.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch
from limits import forward_flops, matmul_rate
from transformers import AutoConfig

from relvec import RelationEncoder
from relvec.embedding.models import embedded_minilm_path
from relvec.training.config import TrainConfig
from relvec.training.loop import train
from relvec.training.relations import load_relations
from relvec.training.sampler import RelationSampler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    model_config = AutoConfig.from_pretrained(embedded_minilm_path())
    rows = []
    rate = max(matmul_rate() for _ in range(3))  # measured before and after: the best is the machine's peak
    for precision in args.precisions:
        config = TrainConfig(precision=precision, epochs=args.epochs, device="cpu")
        steps: list[dict] = []
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            result = train(
                config, Path(folder) / "run", data_dir=args.data_dir, progress=not args.quiet, on_step=steps.append
            )
            wall = time.perf_counter() - started
        seconds = sum(step["seconds"] for step in steps)
        pairs = sum(step["pairs"] for step in steps)
        flops = 3 * forward_flops(model_config, prompt_lengths(config, len(steps), args.data_dir))
        rows.append((precision, wall, seconds, pairs, flops, result.best_accuracy))
        print(
            f"{precision}: {len(steps)} steps, {pairs} pairs, wall {wall:.1f} s, steps {seconds:.1f} s, "
            f"best validation accuracy {result.best_accuracy:.1f}",
            flush=True,
        )
    rate = max(rate, *(matmul_rate() for _ in range(3)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fp32 matmul rate {rate / 1e9:.0f} GFLOP/s; {args.threads} threads; peak RSS {peak_mb:.0f} MB")
    print(f"{'precision':<10}{'wall s':>8}{'steps s':>9}{'pairs/s':>9}{'of fp32 limit':>15}")
    for precision, wall, seconds, pairs, flops, _ in rows:
        print(f"{precision:<10}{wall:>8.1f}{seconds:>9.1f}{pairs / seconds:>9.0f}{flops / rate / seconds:>15.2f}")
    for precision, _, seconds, _, flops, _ in rows:
        print(f"training_fraction_of_fp32_limit_{precision}: {flops / rate / seconds:.2f}")
    return 0


def prompt_lengths(config: TrainConfig, step_count: int, data_dir: str | None) -> list[int]:
    """Token count of every prompt the run's steps encoded, rebuilt from the deterministic sampler."""
    encoder = RelationEncoder(config.encoder, config.template, config.pooling, device="cpu")
    relations = load_relations(config, data_dir).train
    sampler = RelationSampler(
        relations, config.relations_per_step, seed=config.seed, reversed_negatives=config.reversed_negatives
    )
    lengths: list[int] = []
    for epoch in range(config.epochs):
        for step in sampler.epoch(epoch):
            if step_count == 0:
                return lengths
            lengths += [len(ids) for ids in encoder.tokenize(step.pairs).ids]
            step_count -= 1
    return lengths


if __name__ == "__main__":
    sys.exit(main())
