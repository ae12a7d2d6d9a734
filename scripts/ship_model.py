"""Put a trained delta folder into the package as a shipped model, with its manifest.

    python scripts/ship_model.py relvec-minilm RUN --command "relvec train -o RUN --recipe minilm --seed 0"

RUN is the output folder of an adapter run (``relvec train --adapter lora``, or ``relvec soup`` of several):
its ``delta.safetensors`` and ``relvec_config.json`` are copied to ``src/relvec/resources/models/NAME/``, and
``manifest.json`` records the recipe, the seed(s), the command(s) that reproduce it, the training log
summary, the machine, and the shipped folder's scores: the six analogy valid splits (which chose it) and
the eight test splits (reported, never used to choose), scored as users get them (both directions, the
folder's own static weight). Then ``tests/fixtures/shipped_vectors.npz`` is refreshed with the vectors of
50 fixed pairs, which the tests compare with a fresh load.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "src" / "relvec" / "resources" / "models"
FIXTURE = ROOT / "tests" / "fixtures" / "shipped_vectors.npz"
VALID_SETS = ["u2", "u4", "google", "bats", "t_rex", "conceptnet"]
TEST_SETS = ["u2", "u4", "google", "bats", "scan", "nell_one", "t_rex", "conceptnet"]
#: 50 fixed pairs for the fixture: relations of every kind, some with words GloVe lacks.
FIXTURE_PAIRS = [
    ("paris", "france"), ("tokyo", "japan"), ("cat", "animal"), ("dog", "bark"), ("hot", "cold"),
    ("big", "bigger"), ("king", "queen"), ("man", "woman"), ("wheel", "car"), ("finger", "hand"),
    ("doctor", "hospital"), ("teacher", "school"), ("pen", "write"), ("knife", "cut"), ("water", "wet"),
    ("fire", "hot"), ("seed", "tree"), ("egg", "chicken"), ("kitten", "cat"), ("puppy", "dog"),
    ("rome", "italy"), ("berlin", "germany"), ("happy", "sad"), ("up", "down"), ("good", "better"),
    ("run", "ran"), ("go", "went"), ("mouse", "mice"), ("child", "children"), ("apple", "fruit"),
    ("rose", "flower"), ("oak", "tree"), ("violin", "instrument"), ("piano", "keys"), ("bird", "nest"),
    ("bee", "hive"), ("painter", "brush"), ("author", "book"), ("thirsty", "drink"), ("tired", "sleep"),
    ("cloud", "rain"), ("spark", "fire"), ("ice", "cold"), ("sugar", "sweet"), ("lemon", "sour"),
    ("new york", "usa"), ("ice cream", "dessert"), ("zyxwvut", "qwerty"), ("relvec", "embedding"), ("a", "b"),
]  # fmt: skip


def _summary(run: Path) -> dict:
    records = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines() if line.strip()]
    steps = [r for r in records if r["kind"] == "step"]
    epochs = [r for r in records if r["kind"] == "epoch"]
    best = max(range(len(epochs)), key=lambda i: (epochs[i]["validation_accuracy"], -i))
    return {
        "steps": len(steps),
        "epochs": len(epochs),
        "precision": sorted({r["precision"] for r in steps}),
        "first_loss": steps[0]["loss"],
        "last_loss": steps[-1]["loss"],
        "semeval_validation_by_epoch": [r["validation_accuracy"] for r in epochs],
        "best_epoch": best + 1,
        "train_seconds": epochs[-1]["seconds"],
    }


def _scores(folder: Path, data_dir: str | None) -> dict:
    from relvec import RelationEncoder
    from relvec.tasks.benchmarks import evaluate

    encoder = RelationEncoder(folder)
    scores = {}
    for split, names in (("valid", VALID_SETS), ("test", TEST_SETS)):
        results = evaluate(encoder, names, split=split, direction="both", data_dir=data_dir)
        values = {name: round(results[name]["accuracy"], 2) for name in names}
        scores[split] = {**values, "mean": round(float(np.mean(list(values.values()))), 2)}
    return scores


def _fixture() -> None:
    from relvec import RelationEncoder

    arrays = {"pairs": np.array([f"{h}\t{t}" for h, t in FIXTURE_PAIRS])}
    for folder in sorted(MODELS.iterdir()):
        if (folder / "relvec_config.json").is_file():
            arrays[folder.name] = RelationEncoder(folder).encode(FIXTURE_PAIRS)
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(FIXTURE, **arrays)
    print(f"wrote {FIXTURE} ({', '.join(k for k in arrays if k != 'pairs')})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="relvec-minilm or relvec-mpnet")
    parser.add_argument("run", help="the delta folder to ship (a relvec train --adapter run, or a soup of them)")
    parser.add_argument("--command", action="append", required=True, help="a command that made it (repeatable)")
    parser.add_argument("--runs", nargs="*", default=[], help="the training runs behind a soup (for their logs)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--fixture-only", action="store_true", help="only refresh the test fixture")
    args = parser.parse_args()
    if args.fixture_only:
        _fixture()
        return 0
    from relvec import __version__
    from relvec.embedding.precision import cpu_kind, cpu_name

    run, target = Path(args.run), MODELS / args.name
    config = json.loads((run / "relvec_config.json").read_text())
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in ("relvec_config.json", config["delta"]["file"]):
        shutil.copyfile(run / name, target / name)
    trained = [Path(r) for r in args.runs] or [run]
    train_configs = [json.loads((r / "train_config.json").read_text()) for r in trained]
    recipe = {k: v for k, v in train_configs[0].items() if k not in ("seed", "device")}
    manifest = {
        "name": args.name,
        "base_encoder": config["delta"]["base"],
        "base_sha256": config["delta"]["base_sha256"],
        "delta_sha256": config["delta"]["sha256"],
        "delta_parameters": config["delta"]["parameters"],
        "delta_bytes": (target / config["delta"]["file"]).stat().st_size,
        "recipe": recipe,
        "seeds": [c["seed"] for c in train_configs],
        "commands": args.command,
        "training": [{"seed": c["seed"], **_summary(r)} for c, r in zip(train_configs, trained, strict=True)],
        "machine": {"cpu": cpu_name(), "cpu_kind": cpu_kind(), "python": platform.python_version()},
        "scoring": {"direction": "both", "static_weight": config.get("static_weight", 0.0)},
        "scores": _scores(target, args.data_dir),
        "relvec_version": __version__,
        "shipped": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest["scores"], indent=1))
    _fixture()
    return 0


if __name__ == "__main__":
    sys.exit(main())
