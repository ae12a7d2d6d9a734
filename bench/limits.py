"""The machine's limit, shared by the benchmarks: forward FLOPs counted from an encoder's configuration and
real token counts, and the fp32 matrix-multiply rate torch reaches here."""

from __future__ import annotations

import time

import torch


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def forward_flops(config, token_counts: list[int]) -> float:
    """Multiply-adds x 2 of the transformer layers (``config``: the encoder's Hugging Face configuration) for
    prompts of the given lengths. Embeddings and softmax are not matrix products and are left out, which
    makes the limit a little optimistic."""
    d, ff, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    total = 0.0
    for n in token_counts:
        projections = 2 * n * (4 * d * d + 2 * d * ff)  # Q, K, V, output; two feed-forward matrices
        attention = 2 * 2 * n * n * d  # scores and weighted values
        total += layers * (projections + attention)
    return total


def matmul_rate(size: int = 2048, repeats: int = 5) -> float:
    """fp32 FLOP/s of a square matrix product, the best of ``repeats`` (torch's peak here)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    return 2 * size**3 / min(timed(lambda: a @ b) for _ in range(repeats))
