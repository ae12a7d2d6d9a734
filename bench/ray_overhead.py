"""Where Ray's overhead lands: ``relvec embed --ray`` with 2 single-thread actors against one process with 2
torch threads, the same pairs in the same run, and the two outputs compared bit for bit.

    python bench/ray_overhead.py            # needs $RELVEC_DATA (or --data-dir) and relvec[ray]

Prints the single process's time (model load included), the cluster's start, and two Ray jobs on the
running cluster (each job starts its actors, which load the model once; the second finds Ray's worker
processes warm), and ``ray_vs_single_process: X`` (single-process seconds / Ray
seconds with the cluster up; above 1 means Ray was faster).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import ray
import torch
from throughput import distinct_pairs

from relvec.cli import main as relvec
from relvec.embedding.precision import cpu_kind, cpu_name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=4000)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    pairs = distinct_pairs(args.pairs, args.data_dir)
    folder = Path(tempfile.mkdtemp())
    source = folder / "pairs.tsv"
    source.write_text("".join(f"{h}\t{t}\n" for h, t in pairs), encoding="utf-8")
    common = ["-t", "d", "-p", "average_no_mask", "--device", "cpu", "--chunk-size", str(args.chunk_size)]
    common += ["--precision", args.precision, "-q"]

    torch.set_num_threads(2)
    started = time.perf_counter()
    relvec(["embed", str(source), "-o", str(folder / "single.npy"), *common])
    single = time.perf_counter() - started

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    up = time.perf_counter() - started
    try:
        started = time.perf_counter()
        relvec(["embed", str(source), "-o", str(folder / "ray1.npy"), *common, "--ray", "--workers", "2"])
        first = time.perf_counter() - started
        started = time.perf_counter()
        relvec(["embed", str(source), "-o", str(folder / "ray2.npy"), *common, "--ray", "--workers", "2"])
        second = time.perf_counter() - started
    finally:
        ray.shutdown()

    same = np.array_equal(np.load(folder / "single.npy"), np.load(folder / "ray2.npy"))
    n = len(pairs)
    print(f"CPU: {cpu_name()} ({cpu_kind()}); {n} pairs, chunk size {args.chunk_size}, {args.precision}")
    print(f"one process, 2 torch threads:          {single:7.1f} s  {n / single:6.0f} pairs/s")
    print(f"Ray start (ray.init, 2 CPUs):           {up:7.1f} s")
    print(f"Ray, 2 single-thread actors, 1st job:   {first:7.1f} s  {n / first:6.0f} pairs/s")
    print(f"Ray, 2 single-thread actors, 2nd job:   {second:7.1f} s  {n / second:6.0f} pairs/s (workers warm)")
    print(f"bit-identical to the single process: {same}")
    print(f"ray_vs_single_process: {single / second:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
