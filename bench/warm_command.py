"""A warm `relvec similarity` against `python -c "import torch, transformers"`: wall and CPU, same run.

    python bench/warm_command.py [--runs 5] [--python PYTHON] [-- extra relvec arguments]

Runs the command once to warm the caches (RELVEC_CACHE), then alternates the two commands ``--runs`` times
and prints each one's median wall and CPU seconds (user + system of the child) and the ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


def timed(command: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("extra", nargs="*", help="more relvec similarity arguments, e.g. -m relvec-minilm")
    args = parser.parse_args()
    relvec = [args.python, "-m", "relvec", "similarity", "paris:france", "tokyo:japan", *args.extra]
    baseline = [args.python, "-c", "import torch, transformers"]
    subprocess.run(relvec, check=True, stdout=subprocess.DEVNULL)  # warm: model and GloVe caches
    runs: dict[str, list[tuple[float, float]]] = {"relvec similarity": [], "import torch, transformers": []}
    for _ in range(args.runs):
        runs["relvec similarity"].append(timed(relvec))
        runs["import torch, transformers"].append(timed(baseline))
    medians = {name: tuple(statistics.median(x[i] for x in values) for i in (0, 1)) for name, values in runs.items()}
    for name, (wall, cpu) in medians.items():
        print(f"{name:28s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  (median of {args.runs})")
    (wall, cpu), (base_wall, base_cpu) = medians.values()
    print(f"ratio                        wall {wall / base_wall:6.2f}    cpu {cpu / base_cpu:6.2f}")
    print(f"RELVEC_CACHE={os.environ.get('RELVEC_CACHE', '(default)')} python={args.python}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
