"""Peak resident memory of ``relvec embed`` on a million pairs streamed from a file to ``.npy``, and a check
that the streamed output equals one ``RelationEncoder.encode`` call on the same pairs, bit for bit.

    python bench/embed_memory.py                          # 1,000,000 pairs; needs $RELVEC_DATA
    python bench/embed_memory.py --pairs 100000 --precision bf16

The pairs are drawn (seeded) from the words of the analogy test files, so prompts have realistic lengths;
most are distinct. ``relvec embed`` runs as a child process whose peak RSS is read from the kernel
(``getrusage(RUSAGE_CHILDREN)``). The identity check embeds the first ``--check`` pairs in one call in
this process and compares them with the file's first rows.
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from relvec.data import ANALOGY_DATASETS, load_analogy
from relvec.io.pairfiles import iter_pairs


def vocabulary(data_dir: str | None) -> list[str]:
    words: set[str] = set()
    for name in ANALOGY_DATASETS:
        if name == "sat":
            continue
        for question in load_analogy(name, "test", data_dir):
            for pair in (question.stem, *question.choices):
                words.update(pair)
    return sorted(words)


def write_pairs(path: Path, count: int, words: list[str], seed: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for _ in range(count):
            out.write(f"{rng.choice(words)}\t{rng.choice(words)}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument(
        "--check", type=int, default=16_384, help="leading pairs compared with one encode call (whole chunks)"
    )
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--keep", default=None, help="folder to keep the pairs and vectors in")
    args = parser.parse_args()

    folder = Path(args.keep or tempfile.mkdtemp(prefix="relvec-embed-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    words = vocabulary(args.data_dir)
    source, output = folder / "pairs.tsv", folder / "vectors.npy"
    write_pairs(source, args.pairs, words)
    print(f"{args.pairs} pairs over {len(words)} words -> {source} ({source.stat().st_size / 1e6:.0f} MB)", flush=True)

    command = [sys.executable, "-m", "relvec", "embed", str(source), "-o", str(output), "--quiet"]
    command += ["--precision", args.precision]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    vectors = np.load(output, mmap_mode="r")
    print(
        f"relvec embed: {wall:.0f} s, {args.pairs / wall:.0f} pairs/s, output {vectors.shape} {vectors.dtype}, "
        f"{output.stat().st_size / 1e9:.2f} GB on disk"
    )
    print(f"peak_rss_mb: {peak_mb:.0f}")

    from relvec import RelationEncoder

    with source.open(encoding="utf-8") as lines:
        head = list(itertools.islice(iter_pairs(lines, "tsv", str(source)), args.check))
    one_call = RelationEncoder(precision=args.precision).encode(head)
    identical = np.array_equal(one_call, vectors[: len(head)])
    print(f"first {len(head)} rows identical to one encode call: {identical}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
