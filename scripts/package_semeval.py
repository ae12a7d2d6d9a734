"""Write the compact SemEval-2012 Task 2 copy that ships inside relvec (src/relvec/resources/).

``relvec train`` uses it when no data folder is given, so the package carries the part of the gold ratings
that training reads: for each of the 79 relations, the ratings
that ``relvec.data.load_semeval``'s defaults keep (the 10 highest with score > 0 and the 10 lowest with
score < 0), in the file's order, with every other field as published. tests/test_builtin.py checks that
the copy loads to exactly what the loader builds from the full file.

    python scripts/package_semeval.py ../shared/data
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TOP = BOTTOM = 10
TARGET = Path(__file__).resolve().parents[1] / "src/relvec/resources/semeval2012_task2/gold_ratings.jsonl"
KEEP = ("relation_id", "parent_id", "parent_name", "child_name", "definition", "semeval_split")


def compact(record: dict) -> dict:
    ratings = record["gold_ratings"]
    descending = sorted(range(len(ratings)), key=lambda i: -ratings[i][2])
    ascending = sorted(range(len(ratings)), key=lambda i: ratings[i][2])
    keep = {i for i in descending if ratings[i][2] > 0}
    keep = set([i for i in descending if i in keep][:TOP])
    keep |= set([i for i in ascending if ratings[i][2] < 0][:BOTTOM])
    return {**{key: record[key] for key in KEEP}, "gold_ratings": [ratings[i] for i in sorted(keep)]}


def main(data_dir: str) -> int:
    source = Path(data_dir) / "semeval2012_task2" / "gold_ratings.jsonl"
    lines = [json.dumps(compact(json.loads(line)), ensure_ascii=False) for line in source.read_text().splitlines()]
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes, {len(lines)} relations)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
