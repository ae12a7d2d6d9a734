"""What a FAISS IVF-PQ index of relation vectors costs in memory, measured on a small index and scaled.

    python bench/ivfpq_memory.py --dim 384 --n 200000 --nlist 1024 --m 48

Builds IndexIVFPQ (nlist lists, m sub-quantizers of 8 bits) on random float32 vectors, measures its
serialized size (what it holds in memory, to within the small Python overhead), splits it into the part
that grows with each vector and the fixed part (coarse centroids and PQ codebooks), and prints the memory
at 1 billion vectors next to the raw float32 vectors.
"""

from __future__ import annotations

import argparse
import sys
import time

import faiss
import numpy as np


def index_bytes(dim: int, n: int, nlist: int, m: int, train: np.ndarray) -> tuple[int, float]:
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFPQ(quantizer, dim, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
    started = time.perf_counter()
    index.train(train)
    rng = np.random.default_rng(1)
    for start in range(0, n, 50_000):
        index.add(rng.standard_normal((min(50_000, n - start), dim), dtype=np.float32))
    return len(faiss.serialize_index(index)), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--nlist", type=int, default=1024)
    parser.add_argument("--m", type=int, default=48)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    faiss.omp_set_num_threads(args.threads)
    train = np.random.default_rng(0).standard_normal((max(40 * args.nlist, 256 * 39), args.dim), dtype=np.float32)
    small, _ = index_bytes(args.dim, args.n // 2, args.nlist, args.m, train)
    large, seconds = index_bytes(args.dim, args.n, args.nlist, args.m, train)
    per_vector = (large - small) / (args.n - args.n // 2)
    fixed = large - per_vector * args.n
    billion = 1e9
    name = f"IVF{args.nlist},PQ{args.m}x8 on {args.dim}-dim float32"
    print(f"{name}; {args.n} vectors: {large / 1e6:.1f} MB (built in {seconds:.0f} s)")
    print(f"per vector: {per_vector:.1f} bytes (PQ code {args.m} + list id 8); fixed: {fixed / 1e6:.1f} MB")
    print(f"1e9 vectors: index {per_vector * billion / 1e9:.0f} GB; raw float32 vectors {4 * args.dim:.0f} GB")
    print(f"ivfpq_bytes_per_vector: {per_vector:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
