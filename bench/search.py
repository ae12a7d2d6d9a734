"""Relation search at scale: exact (flat) against approximate (HNSW, IVF) on random unit vectors, in one run;
then ``relvec index build`` against ``relvec embed`` on real pairs.

    flock /tmp/relvec-cpu.lock python bench/search.py [--n 1000000] [--dim 384]

Part 1. ``--n`` random unit vectors of the model's dimension (seed 0), added to a :class:`RelationIndex` in
chunks of 65,536 (the same pairs ``h<i>:t<i>`` for every kind). Each kind is built in its own process, so
that each peak memory (the process's maximum resident set, data and pairs included) is its own. Queries are
answered one at a time, as ``relvec search`` does, and timed one by one (p50, p99). Recall@10 is the share of
the exact top 10 that an approximate index returns.

Queries: by default uniform random unit vectors, whose nearest neighbours are barely nearer than any other
vector: the worst case for any approximate index. ``--query-noise`` > 0 draws each query near a stored vector
instead (the vector plus Gaussian noise of that norm, re-normalised).

Part 2. ``relvec embed`` and ``relvec index build`` on the same ``--real-pairs`` distinct pairs from the
analogy test files (embedded default encoder), timed in the same process: pairs/s of each and their ratio.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from relvec.embedding.precision import cpu_name

CHUNK = 65_536


def vector_chunks(n: int, dim: int, seed: int = 0):
    """The same ``n`` random unit vectors (float32) in every process, a chunk at a time."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, CHUNK):
        rows = rng.standard_normal((min(CHUNK, n - start), dim), dtype=np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        yield start, rows


def make_queries(n: int, dim: int, count: int, noise: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if noise <= 0:
        queries = rng.standard_normal((count, dim), dtype=np.float32)
    else:
        wanted = np.sort(rng.choice(n, count, replace=False))
        base = np.empty((count, dim), dtype=np.float32)
        for start, rows in vector_chunks(n, dim):
            inside = (wanted >= start) & (wanted < start + len(rows))
            base[inside] = rows[wanted[inside] - start]
        queries = base + rng.standard_normal((count, dim), dtype=np.float32) * (noise / np.sqrt(dim))
    return queries / np.linalg.norm(queries, axis=1, keepdims=True)


def run_kind(kind: str, settings: dict, queries: np.ndarray, threads: int) -> dict:
    """Build one index in this (child) process and time its queries; returns timings, ids and peak memory."""
    import faiss

    from relvec.apps.index import IndexOptions, RelationIndex

    faiss.omp_set_num_threads(threads)
    n, dim, k = settings["n"], settings["dim"], settings["k"]
    model = {"source": "random", "template": None, "pooling": None, "normalize": False, "dim": dim}
    options = IndexOptions(kind=kind, **settings["options"].get(kind, {}))
    index = RelationIndex(model, options)
    started = time.perf_counter()
    for start, rows in vector_chunks(n, dim):
        index.add([(f"h{i}", f"t{i}") for i in range(start, start + len(rows))], rows)
    index.search(queries[:1], k)  # IVF trains on its held-back vectors here, inside the build time
    build = time.perf_counter() - started
    runs = []
    for parameter in settings["sweep"].get(kind, [None]):
        if kind == "hnsw":
            index._index.hnsw.efSearch = parameter
        elif kind == "ivf":
            index._index.nprobe = parameter
        latencies, ids = [], []
        for query in queries:
            began = time.perf_counter()
            (hits,) = index.search(query, k)
            latencies.append(time.perf_counter() - began)
            ids.append([hit.id for hit in hits])
        runs.append({"parameter": parameter, "latencies": latencies, "ids": ids})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"kind": kind, "build_s": build, "peak_mib": peak, "runs": runs}


def in_child(kind, settings, queries, threads):
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(run_kind, kind, settings, queries, threads).result()


def recall(found: list[list[int]], exact: list[list[int]]) -> float:
    return float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact, strict=True)]))


def part_one(args) -> None:
    settings = {
        "n": args.n,
        "dim": args.dim,
        "k": 10,
        "options": {
            "hnsw": {"hnsw_m": args.hnsw_m, "ef_construction": args.ef_construction},
            "ivf": {"nlist": args.nlist, "ivf_train_size": max(CHUNK, 40 * args.nlist)},
        },
        "sweep": {"hnsw": args.ef_search, "ivf": args.nprobe},
    }
    queries = make_queries(args.n, args.dim, args.queries, args.query_noise)
    data_mib = args.n * args.dim * 4 / 2**20
    print(
        f"part 1: {args.n:,} random unit vectors, dim {args.dim} ({data_mib:,.0f} MiB of float32), "
        f"{args.queries} queries (noise {args.query_noise}), k 10, faiss threads {args.threads}; HNSW M "
        f"{args.hnsw_m}, efConstruction {args.ef_construction}; IVF nlist {args.nlist}",
        flush=True,
    )
    header = (
        f"{'index':<26} {'build s':>8} {'peak MiB':>9} {'p50 ms':>8} {'p99 ms':>8} {'recall@10':>10} "
        f"{'p50 vs exact':>13}"
    )
    exact = None
    for kind in ["flat"] + [kind for kind in args.kinds if kind != "flat"]:
        result = in_child(kind, settings, queries, args.threads)  # one kind at a time; each line as it is done
        if exact is None:
            exact = result["runs"][0]
            exact_p50 = float(np.percentile(exact["latencies"], 50))
            print(header, flush=True)
        for run in result["runs"]:
            name = kind
            if run["parameter"] is not None:
                name += f" ({'efSearch' if kind == 'hnsw' else 'nprobe'} {run['parameter']})"
            p50, p99 = (1000 * float(np.percentile(run["latencies"], q)) for q in (50, 99))
            print(
                f"{name:<26} {result['build_s']:8.1f} {result['peak_mib']:9.0f} {p50:8.2f} {p99:8.2f} "
                f"{recall(run['ids'], exact['ids']):10.3f} {exact_p50 / (p50 / 1000):12.1f}x",
                flush=True,
            )


def part_two(args) -> None:
    from relvec.cli import main as relvec
    from relvec.data import ANALOGY_DATASETS, load_analogy

    seen: dict[tuple[str, str], None] = {}
    for name in ANALOGY_DATASETS:
        if name == "sat":
            continue
        for question in load_analogy(name, "test", args.data_dir):
            for pair in (question.stem, *question.choices):
                seen.setdefault(pair, None)
    pairs = list(seen)[: args.real_pairs]
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "pairs.tsv"
        source.write_text("".join(f"{h}\t{t}\n" for h, t in pairs), encoding="utf-8")
        model = ["-m", "all-MiniLM-L6-v2", "-q"]
        relvec(["embed", str(source), "-o", str(Path(work) / "warm.npy"), *model])  # load and warm up once
        timings = {}
        for attempt in range(2):  # alternate, best of two, so that neither gets the warmer machine
            for name, command in (
                ("relvec embed", ["embed", str(source), "-o", str(Path(work) / f"v{attempt}.npy"), *model]),
                ("relvec index build", ["index", "build", str(source), "-o", str(Path(work) / f"i{attempt}"), *model]),
            ):
                started = time.perf_counter()
                relvec(command)
                timings[name] = min(timings.get(name, np.inf), time.perf_counter() - started)
    print(f"\npart 2: {len(pairs):,} distinct analogy pairs, embedded default encoder (model load included)")
    for name, seconds in timings.items():
        print(f"  {name:<20} {len(pairs) / seconds:8.1f} pairs/s")
    print(f"index_build_vs_embed_rate: {timings['relvec embed'] / timings['relvec index build']:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--query-noise", type=float, default=0.0, help="0 (default): uniform random queries")
    parser.add_argument("--kinds", nargs="+", default=["flat", "hnsw", "ivf"])
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=40)
    parser.add_argument("--ef-search", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--nlist", type=int, default=1024)
    parser.add_argument("--nprobe", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--real-pairs", type=int, default=2000, help="0 skips part 2")
    parser.add_argument("--data-dir", default=os.environ.get("RELVEC_DATA"))
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores", flush=True)
    part_one(args)
    if args.real_pairs:
        import torch

        torch.set_num_threads(args.threads)
        part_two(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
