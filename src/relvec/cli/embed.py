"""``relvec embed``: pairs from a file or stdin to vectors in ``.npy`` or JSONL, streaming."""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

from relvec.cli.options import add_chunk_size, add_encoder_options, load_model, options_from_args
from relvec.errors import RelvecError, check_positive_int
from relvec.files.outputs import StagedFile, check_output_file
from relvec.io.pairfiles import (
    INPUT_FORMATS,
    OUTPUT_FORMATS,
    count_lines,
    guess_format,
    iter_pairs,
    open_input,
    open_writer,
    read_ahead_pairs,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "embed",
        help="embed word pairs",
        description="Embed word pairs read from INPUT (TSV 'head<TAB>tail' or JSONL; stdin when absent or '-').",
    )
    parser.add_argument(
        "input", nargs="?", default="-", help="pairs file (.tsv or .jsonl), or '-' for stdin (default %(default)s)"
    )
    parser.add_argument(
        "-o", "--output", default="-", help="output file (.npy or .jsonl) (default '-': JSONL on stdout)"
    )
    parser.add_argument(
        "--input-format", choices=INPUT_FORMATS, help="tsv or jsonl (default: from the suffix, or sniffed)"
    )
    parser.add_argument("--output-format", choices=OUTPUT_FORMATS, help="npy or jsonl (default: from the suffix)")
    add_chunk_size(parser)
    add_encoder_options(parser)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run whose work is kept in OUTPUT.partial (same input and options; default: off)",
    )
    group = parser.add_argument_group("Ray (pip install 'relvec[ray]')")
    group.add_argument(
        "--ray",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="embed on a Ray cluster (Ray Data, an actor pool loading the model once per actor): at ADDRESS "
        "(HOST:PORT, ray://HOST:PORT or auto), or a local instance when none is given. INPUT may then be a file, "
        "a folder of shards or a glob; the .npy output is bit-identical to single-process relvec embed with the "
        "same --chunk-size",
    )
    group.add_argument("--workers", type=int, default=None, help="Ray actors (default: the cluster's CPUs)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar (default: off)")
    parser.set_defaults(run=run)


def _settings(args: argparse.Namespace, input_format: str | None, output_format: str) -> dict[str, Any]:
    """What decides the output's bits; a resumed run must match the interrupted one in all of it."""
    source = "<stdin>" if args.input == "-" else str(Path(args.input).resolve())
    options = options_from_args(args).to_dict()
    return {
        "input": source,
        "input_format": input_format,
        "output_format": output_format,
        "model": args.model,
        **options,
    }


def _formats(args: argparse.Namespace) -> tuple[str | None, str]:
    """The input format (None: sniffed from stdin) and the output format."""
    from_stdin, to_stdout = args.input == "-", args.output == "-"
    input_format = args.input_format or (None if from_stdin else guess_format(args.input, INPUT_FORMATS, "input"))
    output_format = args.output_format or (
        "jsonl" if to_stdout else guess_format(args.output, OUTPUT_FORMATS, "--output")
    )
    if output_format == "npy" and to_stdout:
        raise RelvecError("--output-format npy needs an --output file; stdout takes JSONL")
    if to_stdout and args.resume:
        raise RelvecError("--resume needs an --output file; stdout cannot be continued")
    return input_format, output_format


def _stage_output(args: argparse.Namespace, input_format: str | None, output_format: str) -> StagedFile | None:
    """The output file, written under a temporary name (None: stdout)."""
    if args.output == "-":
        return None
    inputs = () if args.input == "-" else (args.input,)
    target = check_output_file("--output", args.output, inputs=inputs)
    return StagedFile(target, _settings(args, input_format, output_format))


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from relvec.embedding.batching import encode_stream

    check_positive_int("--chunk-size", args.chunk_size)
    if args.ray is not None:
        return run_on_ray(args)
    input_format, output_format = _formats(args)
    staged = _stage_output(args, input_format, output_format)
    rows, size = staged.resume() if args.resume else (0, 0)
    if staged is not None and not args.resume:
        staged.start()

    with open_input(args.input) as (stream, name):
        total = None if args.input == "-" else count_lines(Path(args.input))
        # The committed rows end on a chunk boundary, so the chunks that follow are those of a run never stopped.
        remaining = itertools.islice(iter_pairs(stream, input_format, name), rows, None)
        _, pairs = read_ahead_pairs(remaining, args.chunk_size)  # the first chunk parsed before the model loads
        encoder = load_model(args)
        path = None if staged is None else staged.partial
        writer = open_writer(path, output_format, encoder.dim, rows=rows, size=size)
        try:
            with tqdm(
                total=total, initial=rows, unit="pair", desc="embedding", disable=args.quiet, dynamic_ncols=True
            ) as bar:
                for chunk, vectors in encode_stream(encoder, pairs):
                    writer.write(chunk, _finite(vectors, chunk, rows))
                    size = writer.commit()
                    rows += len(chunk)
                    if staged is not None:
                        staged.commit(rows, size)
                    bar.update(len(chunk))
        except (RelvecError, OSError, KeyboardInterrupt) as error:
            _fail(error, staged, writer, rows)
        finally:
            writer.close()
    if staged is not None:
        staged.finish()
    return 0


def _finite(vectors: Any, chunk: list, start: int) -> Any:
    """The chunk's vectors, refused if any is NaN or infinite (a broken model or static weight): relvec writes
    no vector it would refuse to score."""
    import numpy as np

    bad = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
    if len(bad):
        head, tail = chunk[bad[0]]
        raise RelvecError(
            f"the encoder gave NaN or infinite vectors for {len(bad)} pair(s), the first {head}:{tail} (input pair "
            f"{start + int(bad[0]) + 1}); the model folder or its static_weight is broken"
        )
    return vectors


def _fail(error: BaseException, staged: StagedFile | None, writer: Any, rows: int) -> None:
    """Re-raise ``error`` saying what was kept: the committed rows (for --resume), or nothing at all."""
    if staged is None or not staged.progress.exists():
        if staged is not None:  # nothing committed: leave nothing behind that a rerun would trip on
            writer.close()
            staged.discard()
        if isinstance(error, OSError) and not isinstance(error, BrokenPipeError):
            raise RelvecError(f"writing the output failed ({error.strerror or error})") from error
        raise error
    kept = f"{rows} row(s) kept in {staged.partial}; rerun with --resume to continue"
    if isinstance(error, KeyboardInterrupt):
        print(f"relvec embed: {kept}", file=sys.stderr)
        raise error
    if isinstance(error, OSError):  # a full disk, a removed folder: the committed rows are still good
        raise RelvecError(f"writing {staged.partial} failed ({error.strerror or error}); {kept}") from error
    raise RelvecError(f"{error} ({kept} once the input is fixed)") from error


def run_on_ray(args: argparse.Namespace) -> int:
    """``--ray``: every check (Ray installed, output, input lines, options, address) before Ray starts."""
    from relvec.embedding.factory import vector_length
    from relvec.io.ray_embed import check_address, embed_on_ray, input_files, plan_chunks, require_ray

    require_ray()
    if args.workers is not None:
        check_positive_int("--workers", args.workers)
    if args.output == "-" or (args.output_format or guess_format(args.output, OUTPUT_FORMATS, "--output")) != "npy":
        raise RelvecError(f"--ray writes one .npy file; got --output {args.output!r}")
    output = Path(args.output)
    if output.exists():
        raise RelvecError(f"--output {args.output!r} already exists; relvec never overwrites it (remove it first)")
    if not output.resolve().parent.is_dir():
        raise RelvecError(f"--output {args.output!r}: its folder does not exist")
    if args.input == "-":
        raise RelvecError("--ray reads pair files (a file, a folder of shards or a glob), not stdin")
    options = options_from_args(args)
    dim = vector_length(args.model, options)
    plan = plan_chunks(input_files(args.input), options.chunk_size, args.input_format)
    address = None if args.ray == "local" else args.ray
    check_address(address)
    embed_on_ray(plan, output, args.model, options, dim, address=address, workers=args.workers, progress=not args.quiet)
    return 0
