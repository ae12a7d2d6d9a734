"""``relvec evaluate MODEL``: score a model or a baseline on every benchmark and write a report."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from relvec.cli.options import add_encoder_options
from relvec.data.analogy import ANALOGY_SPLITS
from relvec.embedding.factory import is_baseline
from relvec.errors import RelvecError, check_choice
from relvec.files.outputs import check_output_folder
from relvec.tasks.analogy import DEFAULT_DIRECTION, DIRECTIONS
from relvec.tasks.benchmarks import GROUPS, NAMED_ONLY, TASKS
from relvec.tasks.kinds import LEXICAL_METRICS


def _datasets_help() -> str:
    kinds = [kind for kind in GROUPS if kind != "all"]
    # each kind's grouped datasets, then those of the kind evaluated only when named
    names = [name for kind in kinds for name in (*GROUPS[kind], *(n for n in NAMED_ONLY if TASKS[n] == kind))]
    return (
        f"datasets or groups: {', '.join(kinds)}, all (default); {' '.join(NAMED_ONLY)} only when named "
        f"({' '.join(names)})"
    )


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="evaluate a model or baseline on the benchmarks",
        description=(
            "Evaluate MODEL (a trained relvec folder, an encoder name such as all-MiniLM-L6-v2 for the untrained "
            "encoder, or 'glove' for the GloVe difference baseline) on analogy questions, lexical relation "
            "classification and relation mapping. Prints a table; with --output also writes results.json, "
            "run.json, results.md (beside the published numbers) and results.png."
        ),
    )
    parser.add_argument(
        "model_name",
        nargs="?",
        metavar="MODEL",
        help="model folder, relvec-mpnet or relvec-minilm (default: relvec-mpnet where its base encoder is "
        "installed, else relvec-minilm), an encoder name, or 'glove'",
    )
    parser.add_argument("-d", "--datasets", nargs="+", default=["all"], metavar="NAME", help=_datasets_help())
    parser.add_argument(
        "-o",
        "--output",
        default=None,
        help="folder to write results.json, run.json, results.md and results.png into (default: none, the table only)",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="data folder to read the datasets from, laid out like shared/data (default: $RELVEC_DATA)",
    )
    parser.add_argument(
        "--split",
        default=ANALOGY_SPLITS[0],
        help=f"which split of the analogy datasets to score: {' or '.join(ANALOGY_SPLITS)} "
        "(lexical classification and relation mapping always report test)",
    )
    parser.add_argument(
        "--direction",
        default=DEFAULT_DIRECTION,
        help="how analogy candidates are scored: both (forward and reversed pairs averaged, chosen on validation), "
        "forward (the paper's) or reverse",
    )
    parser.add_argument(
        "--metric",
        default=LEXICAL_METRICS[0],
        help=f"the lexical classification metric the table and chart show: {', '.join(LEXICAL_METRICS)}",
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        default=[],
        metavar="RUN",
        help="earlier --output folders whose results are shown beside this run's (default: none)",
    )
    add_encoder_options(parser)
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars and no per-dataset lines on stderr (default: off)"
    )
    parser.set_defaults(run=run)


def _model_argument(args: argparse.Namespace) -> str:
    if args.model_name and args.model and args.model_name != args.model:
        raise RelvecError(f"give the model once: MODEL {args.model_name!r} and --model {args.model!r} differ")
    # No MODEL: relvec's default shipped model, as RelationEncoder() and relvec embed use.
    if not (args.model_name or args.model):
        from relvec.embedding.builtin import default_model

        return default_model(announce=False)  # announced when it loads, after every check passed
    model = args.model_name or args.model
    if is_baseline(model):
        return model
    path = Path(model).expanduser()
    # A missing folder would otherwise be taken for a Hugging Face name and fail later as "are you online?".
    looks_local = model.startswith((".", "/", "~")) or (os.sep in model and path.parent.is_dir())
    if looks_local and not path.exists():
        raise RelvecError(f"MODEL {model!r}: no such model folder")
    if path.is_file():
        raise RelvecError(
            f"MODEL {model!r} is a file; give a model folder (with config.json), an encoder name or 'glove'"
        )
    if path.is_dir() and not ((path / "config.json").is_file() or (path / "relvec_config.json").is_file()):
        raise RelvecError(f"MODEL {model!r} is not a relvec or Hugging Face model folder (it has no config.json)")
    return model


def _label(embedder: object, model: str) -> str:
    from relvec.embedding.glove import GloveDifference

    if isinstance(embedder, GloveDifference):
        return "GloVe 6B 50d difference"
    name = Path(model).name if Path(model).expanduser().is_dir() else model
    template = embedder.template.name or "custom template"
    return f"{name} ({template}, {embedder.pooling})"


def _checked(args: argparse.Namespace) -> tuple[str, list[str], dict]:
    """Everything a user can get wrong, checked before the data is read and long before the model loads:
    the model, the datasets and the compared runs."""
    from relvec.cli.options import options_from_args
    from relvec.embedding.factory import check_embedder_options
    from relvec.tasks.benchmarks import resolve_datasets
    from relvec.tasks.report import check_chart_dependency, read_results

    check_choice("--split", args.split, ANALOGY_SPLITS)
    check_choice("--direction", args.direction, DIRECTIONS)
    check_choice("--metric", args.metric, LEXICAL_METRICS)
    model = _model_argument(args)
    check_embedder_options(model, options_from_args(args))
    datasets = resolve_datasets(args.datasets)
    if args.output:
        check_output_folder("--output", args.output)
        check_chart_dependency()  # the chart is drawn last: a missing matplotlib must not cost the whole run
    compared = dict(read_results(path) for path in args.compare)
    return model, datasets, compared


def _score(args: argparse.Namespace, embedder: object, benchmarks: list) -> dict:
    """Every benchmark's metrics; with progress on, each dataset's table line on stderr as it is done."""
    from tqdm.auto import tqdm

    from relvec.tasks.benchmarks import run_benchmark
    from relvec.tasks.report import text_table

    progress = not args.quiet
    results = {}
    for benchmark in benchmarks:
        # ``embedder`` is the run's PairTable: a pair shared by datasets or directions is embedded once.
        results[benchmark.name] = metrics = run_benchmark(
            embedder, benchmark, direction=args.direction, progress=progress
        )
        if progress:
            summary = text_table({benchmark.name: metrics}, args.metric).splitlines()[1]
            tqdm.write(summary, file=sys.stderr)
    return results


def run(args: argparse.Namespace) -> int:
    from relvec import __version__
    from relvec.cli.options import load_model
    from relvec.data import resolve_data_dir
    from relvec.tasks.benchmarks import load_benchmark, pair_table
    from relvec.tasks.report import text_table, write_report

    model, datasets, compared = _checked(args)
    data_dir = resolve_data_dir(args.data_dir)
    benchmarks = [load_benchmark(name, split=args.split, data_dir=data_dir) for name in datasets]

    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    if not (args.model_name or args.model):
        from relvec.embedding.builtin import announce_default

        announce_default(model)
    embedder = load_model(args, model)
    label = _label(embedder, model)
    table = pair_table(embedder)
    results = _score(args, table, benchmarks)
    wall = time.perf_counter() - clock

    print(
        f"{label}: {len(results)} datasets in {wall:.0f} s ({table.encoded} distinct pairs embedded once, in "
        f"{table.encode_seconds:.0f} s, for {table.requested} looked up; the run took "
        f"{wall / max(table.encode_seconds, 1e-9):.2f}x the embedding)"
    )
    print(text_table(results, args.metric))
    if args.output:
        run_info = {
            "model": model,
            "template": getattr(getattr(embedder, "template", None), "name", None),
            "pooling": getattr(embedder, "pooling", None),
            "split": args.split,
            "direction": args.direction,
            "datasets": datasets,
            "data_dir": str(data_dir),
            "relvec_version": __version__,
            "started": started.isoformat(timespec="seconds"),
            "wall_seconds": round(wall, 1),
            "embedded_pairs": table.encoded,
            "looked_up_pairs": table.requested,
            "embedding_seconds": round(table.encode_seconds, 1),
            "compared": list(compared),
        }
        paths = write_report(
            args.output, label, results, run_info=run_info, compared=compared, lexical_metric=args.metric
        )
        print("wrote " + ", ".join(str(path) for path in paths.values()))
    return 0
