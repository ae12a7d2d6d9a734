"""``relvec embed --ray``: the same chunk plan as single-process ``relvec embed``, run on a Ray cluster.

input files -> (driver) every line parsed once, chunk starts recorded as (file, byte offset)
            -> (Ray Data, actor pool) each actor loads the encoder once and embeds whole chunks
            -> (driver) each chunk's rows written at their place in one ``.npy``, renamed when complete.

A chunk is ``chunk_size`` consecutive input pairs of the concatenated input (shards in name order), exactly
as ``relvec embed`` on that concatenation reads them; an actor embeds a chunk with one ``encode`` call, so
the output is bit-identical to single-process ``relvec embed`` with the same ``--chunk-size`` (as long as
the matrix kernels give the same bits for the same batch on both sides: same machine kind and library
builds). Workers read the input files themselves, so they must see the same paths (a local cluster or a
shared filesystem); only (file, offset) descriptors and the vectors travel through Ray.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from relvec.errors import RelvecError, check_choice
from relvec.io.pairfiles import INPUT_FORMATS, guess_format, parse_pair_line
from relvec.pairs import Pair

if TYPE_CHECKING:
    from relvec.embedding.options import EncoderOptions

INSTALL_HINT = "pip install 'relvec[ray]'"


def require_ray() -> None:
    """A clear error naming the extra when Ray is not installed."""
    if importlib.util.find_spec("ray") is None:
        raise RelvecError(f"--ray needs Ray, which is not installed: {INSTALL_HINT}")


def input_files(pattern: str) -> list[Path]:
    """The pair files ``pattern`` names: a file, a folder of shards (its .tsv/.txt/.jsonl/.json files) or a
    glob; shards in name order, which is the order their pairs are embedded in."""
    path = Path(pattern)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".tsv", ".txt", ".jsonl", ".json")]
    else:
        found = [Path(p) for p in glob.glob(pattern) if Path(p).is_file()]
    if not found:
        raise RelvecError(f"input {pattern!r}: no pair files there (expected a file, a folder of shards or a glob)")
    return sorted(found)


@dataclass(frozen=True)
class ChunkStart:
    """Where chunk ``index`` begins: file ``file`` (an index into the plan's files), byte ``offset``."""

    index: int
    file: int
    offset: int
    pairs: int


@dataclass(frozen=True)
class ChunkPlan:
    files: list[str]
    formats: list[str]
    chunks: list[ChunkStart]
    total: int


def _lines(path: Path) -> Iterator[tuple[int, int, str]]:
    """(line number, byte offset of the line, text without its line ending) of each line."""
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, offset, raw.decode("utf-8").rstrip("\r\n")
            offset += len(raw)


def plan_chunks(files: list[Path], chunk_size: int, fmt: str | None = None) -> ChunkPlan:
    """Parse every line (so a bad line fails before any model work) and record where each chunk starts.

    ``fmt``: ``tsv`` or ``jsonl`` for every file; default each file's suffix, else sniffed from its first
    non-empty line like ``relvec embed`` does."""
    if fmt is not None:
        check_choice("--input-format", fmt, INPUT_FORMATS)
    chunks: list[ChunkStart] = []
    formats: list[str] = []
    total = 0
    for index, path in enumerate(files):
        file_format = fmt or _suffix_format(path)
        for number, offset, line in _lines(path):
            if not line.strip():
                continue
            if file_format is None:
                file_format = "jsonl" if line.lstrip().startswith(("[", "{")) else "tsv"
            parse_pair_line(line, file_format, f"{path}, line {number}")
            if total % chunk_size == 0:
                chunks.append(ChunkStart(len(chunks), index, offset, 0))
            total += 1
        formats.append(file_format or "tsv")
    sizes = [min(chunk_size, total - start * chunk_size) for start in range(len(chunks))]
    chunks = [ChunkStart(c.index, c.file, c.offset, size) for c, size in zip(chunks, sizes, strict=True)]
    return ChunkPlan([str(f) for f in files], formats, chunks, total)


def _suffix_format(path: Path) -> str | None:
    try:
        return guess_format(str(path), INPUT_FORMATS, "input")
    except RelvecError:
        return None


def read_chunk(plan_files: list[str], formats: list[str], file: int, offset: int, count: int) -> list[Pair]:
    """``count`` pairs starting at byte ``offset`` of file ``file``, continuing into the next files."""
    pairs: list[Pair] = []
    while len(pairs) < count:
        path = Path(plan_files[file])
        with path.open("rb") as handle:
            handle.seek(offset)
            for raw in handle:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line.strip():
                    pairs.append(parse_pair_line(line, formats[file], str(path)))
                    if len(pairs) == count:
                        break
        file, offset = file + 1, 0
    return pairs


def check_address(address: str | None) -> None:
    """An address Ray cannot reach fails fast with a clear error (Ray itself retries for a minute)."""
    if address is None or address == "auto":
        return
    host_port = address.removeprefix("ray://")
    host, _, port = host_port.rpartition(":")
    if not host or not port.isdigit():
        raise RelvecError(f"--ray {address!r}: expected HOST:PORT, ray://HOST:PORT or 'auto'")
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            pass
    except OSError as error:
        raise RelvecError(f"--ray {address!r}: cannot reach a Ray cluster there ({error.strerror or error})") from None


class ChunkEmbedder:
    """A Ray Data actor: loads the encoder once, then embeds one chunk per row it is given."""

    def __init__(self, model: str | None, options: dict[str, Any], plan_files: list[str], formats: list[str]) -> None:
        from relvec.embedding.encoder import RelationEncoder
        from relvec.embedding.options import EncoderOptions

        self.encoder = RelationEncoder(model, options=EncoderOptions(**options))
        self.files, self.formats = plan_files, formats

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = []
        for file, offset, count in zip(batch["file"], batch["offset"], batch["pairs"], strict=True):
            pairs = read_chunk(self.files, self.formats, int(file), int(offset), int(count))
            # A whole chunk of the plan, cut by the same chunk_size: one encode call, as in relvec embed.
            vectors.append(b"".join(rows.tobytes() for _, rows in self.encoder.encode_stream(pairs)))
        return {"index": batch["index"], "vectors": np.array(vectors, dtype=object)}


def embed_on_ray(
    plan: ChunkPlan,
    output: Path,
    model: str | None,
    options: EncoderOptions,
    dim: int,
    *,
    address: str | None,
    workers: int | None,
    progress: bool = True,
) -> None:
    """Embed ``plan`` with ``model`` run with ``options`` on Ray and write float32 (total, dim) to ``output``
    (.npy) under a temporary name, renamed to ``output`` only when every chunk is written."""
    import ray
    from tqdm.auto import tqdm

    started = not ray.is_initialized()
    if started:
        ray.init(address=address, num_cpus=workers if address is None else None, log_to_driver=False)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = context.enable_progress_bars and progress  # --quiet silences Ray's too
        context.print_on_execution_start = progress
        size = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        rows = [{"index": c.index, "file": c.file, "offset": c.offset, "pairs": c.pairs} for c in plan.chunks]
        dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
            ChunkEmbedder,
            fn_constructor_kwargs={
                "model": model,
                "options": options.to_dict(),
                "plan_files": plan.files,
                "formats": plan.formats,
            },
            batch_size=1,
            batch_format="numpy",
            concurrency=size,
            num_cpus=1,
        )
        starts = np.cumsum([0] + [c.pairs for c in plan.chunks])
        partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
        try:
            array = np.lib.format.open_memmap(partial, mode="w+", dtype=np.float32, shape=(plan.total, dim))
            done = 0
            with tqdm(total=plan.total, unit="pair", desc="embedding", disable=not progress) as bar:
                for row in dataset.iter_rows() if rows else ():
                    index = int(row["index"])
                    block = np.frombuffer(row["vectors"], dtype=np.float32).reshape(-1, dim)
                    array[starts[index] : starts[index + 1]] = block
                    done += len(block)
                    bar.update(len(block))
            array.flush()
            del array
            if done != plan.total:  # never rename an incomplete file into place
                raise RelvecError(f"Ray returned {done} of {plan.total} vectors; {output} not written")
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    finally:
        if started:
            ray.shutdown()
