"""Are same-seed CPU training runs bit-identical, and what does deterministic mode cost?

Runs ``relvec train`` (all-MiniLM-L6-v2, SemEval, the default recipe cut to ``--max-steps``) several times in
fresh processes, each in its own folder, and compares the checkpoint weights of every run with the first:
the largest absolute difference and whether they are bit-identical. ``--mode`` picks what each process sets
first (through the environment, so the same code path trains):

* ``default``: nothing;
* ``deterministic``: ``torch.use_deterministic_algorithms(True)`` before training;
* ``mkl-cbwr``: ``MKL_CBWR=COMPATIBLE``, MKL's conditional numerical reproducibility.

Usage (under the CPU lock): ``flock /tmp/relvec-cpu.lock python bench/determinism.py --runs 3 --max-steps 8``.
Prints one line per mode: seconds per run (mean) and the weight differences.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from relvec.embedding.precision import cpu_name

MODES = {
    "default": {},
    "deterministic": {"BENCH_DETERMINISTIC": "1"},
    "mkl-cbwr": {"MKL_CBWR": "COMPATIBLE"},
}


def train_once(folder: Path, max_steps: int, env: dict[str, str]) -> float:
    options = ["train", "-o", str(folder), "--max-steps", str(max_steps), "-q"]
    options += ["--device", "cpu", "--precision", "fp32"]
    code = (
        "import os, sys, torch\n"
        "if os.environ.get('BENCH_DETERMINISTIC'): torch.use_deterministic_algorithms(True)\n"
        "from relvec.cli import main\n"
        f"sys.exit(main({options!r}))"
    )
    command = [sys.executable, "-c", code]
    started = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, **env})
    return time.perf_counter() - started


def weights(folder: Path) -> dict[str, torch.Tensor]:
    return torch.load(folder / "checkpoint" / "state.pt", map_location="cpu", weights_only=True)["model"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per mode (default %(default)s)")
    parser.add_argument("--max-steps", type=int, default=8, help="training steps per run (default %(default)s)")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES), help="default: all")
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}; torch {torch.__version__}; {torch.get_num_threads()} threads; {args.max_steps} steps")
    with tempfile.TemporaryDirectory() as work:
        for mode in args.modes:
            seconds, states = [], []
            for run in range(args.runs):
                folder = Path(work) / f"{mode}-{run}"
                seconds.append(train_once(folder, args.max_steps, MODES[mode]))
                states.append(weights(folder))
            first = states[0]
            diffs = [max(float((s[k] - first[k]).abs().max()) for k in first) for s in states[1:]]
            identical = all(all(torch.equal(s[k], first[k]) for k in first) for s in states[1:])
            print(
                f"{mode:14} {sum(seconds) / len(seconds):7.1f} s/run  bit-identical: {identical}  "
                f"max abs difference to run 1: {', '.join(f'{d:.2e}' for d in diffs)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
