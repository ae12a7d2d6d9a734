"""Embedding throughput of relvec against two baselines measured in the same run.

    python bench/throughput.py            # needs $RELVEC_DATA (or --data-dir)

2,000 distinct pairs from the analogy test files, the embedded default encoder, template d,
average_no_mask, 2 torch threads. Baselines:

1. the reference implementation's way: every prompt padded to 64 tokens, fixed batches of 64 in input
   order (no length sorting);
2. the machine's limit: forward FLOPs per pair (from the encoder's configuration and the real token
   counts) divided by the fp32 matrix-multiply rate torch reaches here, measured now.

The last two lines are for tools: ``ratio_vs_padded: N.NN`` and ``fraction_of_fp32_limit: 0.NN``.
"""

from __future__ import annotations

import argparse
import sys
import time

import torch

from relvec import RelationEncoder
from relvec.data import ANALOGY_DATASETS, load_analogy
from relvec.pooling import POOLINGS, TokenRoles


def distinct_pairs(count: int, data_dir: str | None) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for name in ANALOGY_DATASETS:
        if name == "sat":
            continue
        for question in load_analogy(name, "test", data_dir):
            for pair in (question.stem, *question.choices):
                seen.setdefault(pair, None)
                if len(seen) == count:
                    return list(seen)
    return list(seen)


def best_of(repeats: int, run) -> float:
    """Fastest wall time of ``repeats`` runs: the least disturbed by anything else on the machine."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def padded_reference(encoder: RelationEncoder, pairs: list[tuple[str, str]]) -> None:
    """The reference implementation's batching: pad to 64, batches of 64 in input order."""
    prompts = encoder.prompts(pairs)
    mask_id = encoder.tokenizer.mask_token_id
    with torch.inference_mode():
        for start in range(0, len(prompts), 64):
            batch = encoder.tokenizer(
                prompts[start : start + 64], padding="max_length", max_length=64, truncation=True, return_tensors="pt"
            )
            output = encoder.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
            hidden = output.last_hidden_state
            mask = (batch["input_ids"] == mask_id).int().argmax(dim=1)
            POOLINGS["average_no_mask"](hidden, TokenRoles(batch["attention_mask"], mask)).numpy()


def forward_flops(encoder: RelationEncoder, token_counts: list[int]) -> float:
    """Multiply-adds x 2 of the transformer layers for prompts of the given lengths (embeddings and softmax
    are not matrix products and are left out, which makes the limit a little optimistic)."""
    config = encoder.model.config
    d, ff, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    total = 0.0
    for n in token_counts:
        projections = 2 * n * (4 * d * d + 2 * d * ff)  # Q, K, V, output; two feed-forward matrices
        attention = 2 * 2 * n * n * d  # scores and weighted values
        total += layers * (projections + attention)
    return total


def matmul_rate(size: int = 2048, repeats: int = 5) -> float:
    """fp32 FLOP/s of a square matrix product, the best torch reaches here."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    return 2 * size**3 / best_of(repeats, lambda: a @ b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    pairs = distinct_pairs(args.pairs, args.data_dir)
    encoder = RelationEncoder(template="d", pooling="average_no_mask", device="cpu")
    fast = RelationEncoder(template="d", pooling="average_no_mask", device="cpu", precision="bf16")
    encoder.encode(pairs[:128])  # warm-up: first calls allocate
    fast.encode(pairs[:128])

    relvec_s = best_of(args.repeats, lambda: encoder.encode(pairs))
    fast_s = best_of(args.repeats, lambda: fast.encode(pairs))
    padded_s = best_of(args.repeats, lambda: padded_reference(encoder, pairs))
    tokens = [len(ids) for ids in encoder.tokenize(pairs).ids]
    flops = forward_flops(encoder, tokens)
    rate = matmul_rate()
    limit_s = flops / rate

    n = len(pairs)
    print(
        f"{n} distinct pairs, {sum(tokens) / n:.1f} tokens per prompt, {args.threads} threads, {flops / n / 1e6:.0f} "
        f"MFLOP per pair; fp32 matmul rate {rate / 1e9:.0f} GFLOP/s"
    )
    print(f"{'path':<34}{'pairs/s':>10}{'ratio':>8}")
    print(f"{'padded to 64, batches of 64':<34}{n / padded_s:>10.0f}{1:>8.2f}")
    print(f"{'relvec fp32 (sorted, per-batch pad)':<34}{n / relvec_s:>10.0f}{padded_s / relvec_s:>8.2f}")
    print(f"{'relvec bf16 fast path':<34}{n / fast_s:>10.0f}{padded_s / fast_s:>8.2f}")
    print(f"{'fp32 limit (FLOPs / matmul rate)':<34}{n / limit_s:>10.0f}{padded_s / limit_s:>8.2f}")
    print(f"ratio_vs_padded: {padded_s / relvec_s:.2f}")
    print(f"fraction_of_fp32_limit: {limit_s / relvec_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
