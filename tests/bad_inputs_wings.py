"""Issue 21's cases of the bad-input table: the application wings (index, search, similarity, complete, label,
map, export), the service, model folders from someone else and the apps' Python API.

What they hold relvec to: no folder's code runs (whatever a prompt is answered), no input or user folder is
overwritten, a crafted index or model folder is refused rather than answered from, every write failure is
one line naming the path, and outputs get the umask's modes. See ``bad_inputs_harness.py`` for the outcomes.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bad_inputs_harness import TSV, Case, CliResult, HttpResult, Workspace, cli, then

FIVE = TSV + "tokyo\tjapan\nhot\tcold\n"
RELATIONS_LINES = (
    '{"relation": "capital", "pairs": [["paris", "france"], ["tokyo", "japan"]]}\n'
    '{"relation": "opposite", "pairs": [["hot", "cold"], ["up", "down"]]}\n'
)
MODEL = ("-m", "{tiny}")
#: A hybrid weight whose square root overflows float32: every static part would be inf.
OVERFLOWING = '{"format_version": 1, "static_weight": 1e300}'


# --- folders and files the cases start from ---------------------------------------------------------------------


def _pairs(ws: Workspace, name: str = "pairs.tsv", content: str | bytes = FIVE) -> Path:
    return ws.file(name, content)


def _relations(ws: Workspace, name: str = "rel.jsonl") -> Path:
    return ws.file(name, RELATIONS_LINES)


def _index(ws: Workspace, name: str = "idx", pairs: list[tuple[str, str]] | None = None) -> Path:
    """A real index folder of the tiny encoder's vectors, built through the API."""
    from relvec.apps.index import RelationIndex

    pairs = pairs or [("paris", "france"), ("cat", "animal"), ("big", "bigger")]
    return RelationIndex.build(ws.encoder(), pairs).save(ws.root / name)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rehash(folder: Path) -> None:
    """Make the manifest's checksums (where it records them) fit the files: a crafted folder, not a corrupt one."""
    manifest = json.loads((folder / "manifest.json").read_text())
    if isinstance(manifest.get("sha256"), dict):
        manifest["sha256"] = {name: _sha256(folder / name) for name in manifest["sha256"]}
        (folder / "manifest.json").write_text(json.dumps(manifest))


def _crafted_index(make: Callable[[Any, np.ndarray], Any]) -> Callable[[Workspace], Path]:
    """An index folder whose index.faiss is ``make(faiss, vectors)``, checksums made to fit."""

    def craft(ws: Workspace) -> Path:
        import faiss

        folder = _index(ws)
        vectors = faiss.read_index(str(folder / "index.faiss")).reconstruct_n(0, 3)
        faiss.write_index(make(faiss, vectors), str(folder / "index.faiss"))
        _rehash(folder)
        return folder

    return craft


def _flat(faiss: Any, vectors: np.ndarray, metric: str = "ip") -> Any:
    index = faiss.IndexFlatIP(vectors.shape[1]) if metric == "ip" else faiss.IndexFlatL2(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _hnsw(faiss: Any, vectors: np.ndarray) -> Any:
    index = faiss.IndexHNSWFlat(vectors.shape[1], 8, faiss.METRIC_INNER_PRODUCT)
    index.add(vectors)
    return index


def _changed_index_file(ws: Workspace) -> Path:
    """An index folder whose index.faiss was changed after relvec wrote it (its vectors in another order)."""
    import faiss

    folder = _index(ws)
    vectors = faiss.read_index(str(folder / "index.faiss")).reconstruct_n(0, 3)
    faiss.write_index(_flat(faiss, vectors[::-1].copy()), str(folder / "index.faiss"))
    return folder


def _edit_pairs(ws: Workspace, edit: Callable[[list[str]], list[str]], rehash: bool) -> Path:
    folder = _index(ws)
    lines = (folder / "pairs.jsonl").read_text().splitlines()
    (folder / "pairs.jsonl").write_text("\n".join(edit(lines)) + "\n")
    if rehash:
        _rehash(folder)
    return folder


def _latin_pairs(ws: Workspace) -> Path:
    """An index folder whose pairs.jsonl starts with a Latin-1 line (checksums made to fit)."""
    folder = _index(ws)
    lines = (folder / "pairs.jsonl").read_bytes().splitlines(keepends=True)
    (folder / "pairs.jsonl").write_bytes(b'["caf\xe9", "x"]\n' + b"".join(lines[1:]))
    _rehash(folder)
    return folder


def _manifest_source(ws: Workspace, source: str) -> Path:
    folder = _index(ws)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["model"]["source"] = source
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def hostile_folder(root: Path, folder: Path, tiny: Path, where: str = "config") -> Path:
    """A copy of the model folder ``tiny`` whose config.json (``where="config"``) or tokenizer_config.json
    (``"tokenizer"``) maps its classes to Python files beside it (``auto_map``); running any of them creates
    ``root/ran``."""
    code = f"import pathlib\npathlib.Path({str(root / 'ran')!r}).touch()\n"
    shutil.copytree(tiny, folder)
    if where == "config":
        config = json.loads((folder / "config.json").read_text())
        config["model_type"] = "relvec-evil"
        config["auto_map"] = {"AutoConfig": "configuration_evil.EvilConfig", "AutoModel": "modeling_evil.EvilModel"}
        (folder / "config.json").write_text(json.dumps(config))
        config_code = "from transformers import BertConfig\n\nclass EvilConfig(BertConfig):\n"
        config_code += "    model_type = 'relvec-evil'\n"
        (folder / "configuration_evil.py").write_text(code + config_code)
        (folder / "modeling_evil.py").write_text(
            code + "from transformers import BertModel\n\nclass EvilModel(BertModel):\n    pass\n"
        )
    else:
        config = json.loads((folder / "tokenizer_config.json").read_text())
        config["auto_map"] = {"AutoTokenizer": ["tokenization_evil.EvilTokenizer", None]}
        config["tokenizer_class"] = "EvilTokenizer"
        (folder / "tokenizer_config.json").write_text(json.dumps(config))
        (folder / "tokenization_evil.py").write_text(
            code + "from transformers import BertTokenizerFast\n\nclass EvilTokenizer(BertTokenizerFast):\n    pass\n"
        )
    return folder


def make_hostile(ws: Workspace, name: str = "hostile", where: str = "config") -> Path:
    """The tiny encoder with custom code that would touch ``ran`` (see :func:`hostile_folder`)."""
    return hostile_folder(ws.root, ws.root / name, ws.tiny, where)


def _model(ws: Workspace, name: str = "model", config: dict[str, Any] | None = None, **files: str | bytes) -> Path:
    """A copy of the tiny encoder with ``config`` merged into config.json and ``files`` written (None: removed)."""
    folder = ws.root / name
    shutil.copytree(ws.tiny, folder)
    if config:
        merged = {**json.loads((folder / "config.json").read_text()), **config}
        (folder / "config.json").write_text(json.dumps(merged))
    for file, content in files.items():
        path = folder / file.replace("__", ".")
        if content is None:
            path.unlink()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return folder


class _RunsCode:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _pickled_weights(ws: Workspace) -> Path:
    """The tiny encoder with its weights as a pytorch_model.bin whose pickle would run a command."""
    import torch

    folder = _model(ws, "pickled", model__safetensors=None)
    torch.save({"embeddings.word_embeddings.weight": _RunsCode(str(ws.root / "ran"))}, folder / "pytorch_model.bin")
    return folder


def _read_only(ws: Workspace, name: str = "ro") -> Path:
    folder = ws.root / name
    folder.mkdir()
    folder.chmod(0o555)
    return folder


# --- faults and conditions around a run ------------------------------------------------------------------------


def disk_full(run: Callable[[Workspace], Any], limit: int) -> Callable[[Workspace], Any]:
    """Run with every file this process writes limited to ``limit`` bytes: a write past it fails with EFBIG,
    as one on a full disk fails with ENOSPC (SIGXFSZ ignored so that it is an error, not a kill)."""

    def run_full(ws: Workspace) -> Any:
        old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
        old_signal = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old_limit[1]))
        try:
            return run(ws)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
            signal.signal(signal.SIGXFSZ, old_signal)

    return run_full


def umask(run: Callable[[Workspace], Any], mask: int = 0o022) -> Callable[[Workspace], Any]:
    def run_masked(ws: Workspace) -> Any:
        old = os.umask(mask)
        try:
            return run(ws)
        finally:
            os.umask(old)

    return run_masked


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _modes_are_umask_modes(folder: Path) -> bool:
    """Every file 0644 and every folder 0755 (the modes of umask 022), ``folder`` itself included."""
    items = [folder, *folder.rglob("*")] if folder.is_dir() else [folder]
    return all(_mode(item) == (0o755 if item.is_dir() else 0o644) for item in items)


def _interrupted_embed(ws: Workspace) -> None:
    """``relvec embed`` stopped by a bad line in its third chunk (with the model folder's pooling), the line
    then fixed: a run to continue with --resume."""
    _pairs(ws, content=FIVE + "oops\n")
    assert cli("embed", "pairs.tsv", "-o", "out.npy", "--chunk-size", "2", *MODEL)(ws).code == 2
    _pairs(ws)


# --- the service ---------------------------------------------------------------------------------------------


def http(
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    index: bool = False,
    completer: Callable[[Workspace, Any], Any] | None = None,
) -> Callable[[Workspace], HttpResult]:
    """Send one request to the service on the tiny encoder (with a real index of three pairs, or a completer)."""

    def run(ws: Workspace) -> HttpResult:
        from fastapi.testclient import TestClient

        from relvec.apps.index import RelationIndex
        from relvec.serve import create_app

        encoder = ws.encoder()
        search = RelationIndex.load(_index(ws), encoder) if index else None
        complete = completer(ws, encoder) if completer is not None else None
        app = create_app(encoder, index=search, completer=complete)
        with TestClient(app, raise_server_exceptions=False) as client:
            if raw is not None:
                response = client.request(method, path, content=raw, headers={"Content-Type": "application/json"})
            else:
                response = client.request(method, path, json=body)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return HttpResult(response.status_code, answer)

    return run


def _question_words_only(ws: Workspace, encoder: Any) -> Any:
    """A completer whose vocabulary holds only the words of the question man : king :: woman : ?."""
    from relvec.apps.complete import AnalogyCompleter, keyed_vectors

    words = ["man", "king", "woman"]
    return AnalogyCompleter(encoder, keyed_vectors(words, np.eye(3, 4, dtype=np.float32)), candidates=5)


def _health_while_loading(ws: Workspace) -> HttpResult:
    from fastapi.testclient import TestClient

    from relvec.serve import Backends, create_app

    gate = threading.Event()

    def load() -> Backends:
        gate.wait(30)
        return Backends(ws.encoder())

    with TestClient(create_app(loader=load)) as client:
        response = client.get("/health")
        gate.set()
    return HttpResult(response.status_code, response.json())


def _port_taken(ws: Workspace) -> CliResult:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        return cli("serve", *MODEL, "--port", str(taken.getsockname()[1]))(ws)


# --- the Python API ----------------------------------------------------------------------------------------------


class _Vectors:
    """An embedder giving fixed vectors: ``encode`` returns ``rows`` cycled over the pairs."""

    def __init__(self, rows: list[list[float]], source: str = "fixed") -> None:
        self.rows = np.asarray(rows, dtype=np.float32)
        self.dim = self.rows.shape[1]
        self.source, self.template, self.pooling, self.normalize = source, None, "mask", False

    def encode(self, pairs, **_options) -> np.ndarray:
        return np.stack([self.rows[i % len(self.rows)] for i in range(len(list(pairs)))])


def _api_index(rows: list[list[float]] | None = None) -> Any:
    from relvec.apps.index import RelationIndex

    return RelationIndex.build(_Vectors(rows or [[1, 0], [0, 1], [1, 1]]), [("a", "b"), ("c", "d"), ("e", "f")])


def _cosine_matrix(*arrays: Any) -> Any:
    """relvec.cosine.cosine_matrix (relvec.apps.queries held it before), so that the table runs on any checkout."""
    try:
        from relvec.cosine import cosine_matrix
    except ImportError:
        from relvec.apps.queries import cosine_matrix
    return cosine_matrix(*arrays)


def _labeller(encoder: Any) -> Any:
    from relvec.apps.label import RelationLabeller

    return RelationLabeller(encoder, {"capital": [("paris", "france")], "opposite": [("hot", "cold")]})


def _completer(static: Any = "good", encoder: Any = None, **options: Any) -> Any:
    from relvec.apps.complete import AnalogyCompleter, keyed_vectors

    if static == "good":
        static = keyed_vectors(["man", "king", "woman", "queen"], np.eye(4, dtype=np.float32))
    encoder = encoder if encoder is not None else _Vectors([[1, 0], [0, 1]])
    return AnalogyCompleter(encoder, static, **{"candidates": 1, **options})


def _export(index: Any, path: Any) -> Any:
    from relvec.apps.export import export_word2vec

    return export_word2vec(index, path)


def _w2v_keys(path: Path) -> list[str]:
    return [line.split(" ", 1)[0] for line in path.read_text().splitlines()[1:]]


def _exported(ws: Workspace, pairs: list[tuple[str, str]]) -> tuple[int, int]:
    from relvec.apps.index import RelationIndex

    rows = np.eye(len(pairs), 8, dtype=np.float32) + 0.1
    index = RelationIndex.build(_Vectors(rows.tolist()), pairs)
    return _export(index, ws.root / "out.txt")


def _gensim_keys_distinct(ws: Workspace, result: Any) -> bool:
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(str(ws.root / "out.txt"))
    return result == (2, 0) and len(set(kv.index_to_key)) == 2


# --- the table -------------------------------------------------------------------------------------------------

SEARCH = ("search", "idx", "paris:france", "-k", "1", *MODEL)
WING_CASES = [
    # relvec index build: outputs
    Case("index-overwrite-user-folder", cli("index", "build", "pairs.tsv", "-o", "mine", "--overwrite", *MODEL),
         "mine.*(not a relvec index|relvec did not write)", setup=lambda ws: (_pairs(ws), ws.file("mine/notes.txt",
                                                                                                     "my notes")),
         protect=("mine",)),
    Case("index-overwrite-the-working-folder", cli("index", "build", "pairs.tsv", "-o", ".", "--overwrite", *MODEL),
         "(not a relvec index|relvec did not write|holds the input)", setup=_pairs, protect=("pairs.tsv",)),
    Case("index-overwrite-index-holding-the-input", cli("index", "build", "idx/mine.tsv", "-o", "idx", "--overwrite",
         *MODEL), "holds the input", setup=lambda ws: (_index(ws), _pairs(ws, "idx/mine.tsv")),
         protect=("idx",)),
    Case("index-output-is-the-pairs-file", cli("index", "build", "pairs.tsv", "-o", "pairs.tsv", "--overwrite",
         *MODEL), "pairs.tsv.*is a file", setup=_pairs, protect=("pairs.tsv",)),
    Case("index-output-inside-a-file", cli("index", "build", "pairs.tsv", "-o", "pairs.tsv/idx", *MODEL),
         "is a file", setup=_pairs, protect=("pairs.tsv",)),
    Case("index-overwrite-own-index", cli("index", "build", "pairs.tsv", "-o", "idx", "--overwrite", *MODEL, "-q"),
         "an index relvec wrote is replaced", kind="ok", setup=lambda ws: (_pairs(ws), _index(ws)),
         check=lambda ws, r: r.code == 0 and json.loads((ws.root / "idx/manifest.json").read_text())["count"] == 5),
    Case("index-overwrite-through-a-link", cli("index", "build", "pairs.tsv", "-o", "link", "--overwrite", *MODEL,
         "-q"), "the linked index is replaced, the link kept", kind="ok",
         setup=lambda ws: (_pairs(ws), _index(ws), (ws.root / "link").symlink_to(ws.root / "idx")),
         check=lambda ws, r: r.code == 0 and (ws.root / "link").is_symlink()
         and json.loads((ws.root / "link/manifest.json").read_text())["count"] == 5),
    Case("index-read-only-folder", cli("index", "build", "pairs.tsv", "-o", "ro/idx", *MODEL),
         "ro.*(not writable|read-only)", setup=lambda ws: (_pairs(ws), _read_only(ws))),
    Case("index-disk-full", disk_full(cli("index", "build", "pairs.tsv", "-o", "idx", *MODEL, "-q"), 256),
         "writing .*idx.* failed", setup=_pairs),
    Case("index-umask-modes", umask(cli("index", "build", "pairs.tsv", "-o", "idx", *MODEL, "-q")),
         "the folder 0755, its files 0644", kind="ok", setup=_pairs,
         check=lambda ws, r: r.code == 0 and _modes_are_umask_modes(ws.root / "idx")),
    Case("index-pairs-not-utf8", cli("index", "build", "latin.tsv", "-o", "idx", *MODEL), "line 1: not valid UTF-8",
         setup=lambda ws: _pairs(ws, "latin.tsv", "caf\xe9\tdrink\n".encode("latin-1"))),
    # relvec search: index folders from someone else
    Case("search-nan-vectors", cli(*SEARCH), "index.faiss.*(NaN|not finite)",
         setup=_crafted_index(lambda faiss, v: _flat(faiss, np.full_like(v, np.nan)))),
    Case("search-l2-index", cli(*SEARCH), "index.faiss.*(inner product|IndexFlatL2|metric)",
         setup=_crafted_index(lambda faiss, v: _flat(faiss, v, "l2"))),
    Case("search-zero-vectors", cli(*SEARCH), "index.faiss.*(unit length|zero)",
         setup=_crafted_index(lambda faiss, v: _flat(faiss, np.zeros_like(v)))),
    Case("search-vectors-not-unit", cli(*SEARCH), "index.faiss.*unit length",
         setup=_crafted_index(lambda faiss, v: _flat(faiss, 3 * v))),
    Case("search-hnsw-file-flat-manifest", cli(*SEARCH), "index.faiss.*(kind|IndexHNSW)",
         setup=_crafted_index(_hnsw)),
    Case("search-pairs-reordered", cli(*SEARCH), "pairs.jsonl.*(sha256|changed)",
         setup=lambda ws: _edit_pairs(ws, lambda lines: lines[::-1], rehash=False)),
    Case("search-index-file-changed", cli(*SEARCH), "index.faiss.*(sha256|changed)",
         setup=lambda ws: _changed_index_file(ws)),
    Case("search-pairs-not-utf8", cli(*SEARCH), "pairs.jsonl, line 1.*UTF-8",
         setup=lambda ws: _latin_pairs(ws)),
    Case("search-index-is-a-file", cli("search", "pairs.tsv", "paris:france", *MODEL), "is a file", setup=_pairs),
    Case("search-default-k-on-a-small-index", cli("search", "idx", "paris:france", *MODEL),
         "every pair of a 3-pair index", kind="ok", setup=_index,
         check=lambda ws, r: r.code == 0 and len(r.out.strip().splitlines()) == 4),
    Case("search-manifest-names-a-folder", cli("search", "idx", "paris:france", "-k", "1"), "pass -m", setup=_index),
    Case("search-manifest-names-a-hostile-folder", cli("search", "idx", "paris:france", "-k", "1"), "pass -m",
         setup=lambda ws: _manifest_source(ws, str(make_hostile(ws)))),
    Case("search-hostile-folder-given", cli("search", "idx", "paris:france", "-k", "1", "-m", "hostile"),
         "(auto_map|custom code)", setup=lambda ws: _manifest_source(ws, str(make_hostile(ws)))),
    Case("search-manifest-names-a-local-hub-name", cli("search", "idx", "paris:france", "-k", "1"), "pass -m",
         setup=lambda ws: (shutil.copytree(ws.tiny, ws.root / "owner" / "model"),
                           _manifest_source(ws, "owner/model"))),
    # relvec similarity
    Case("similarity-word-not-utf8", cli("similarity", "caf\udce9:drink", "tea:drink", *MODEL),
         "(not valid UTF-8|surrogate)"),
    Case("similarity-static-weight-overflow", cli("similarity", "paris:france", "tokyo:japan", "-m", "model"),
         "static_weight", setup=lambda ws: _model(ws, relvec_config__json=OVERFLOWING)),
    Case("similarity-glove-unknown-word", cli("similarity", "qqzxv:wwqk", "paris:france", "tokyo:japan", "-m",
         "glove"), "zero .*no direction"),
    # relvec complete
    Case("complete-offset-weight-inf", cli("complete", "man", "king", "woman", "--offset-weight", "inf", *MODEL),
         "--offset-weight must be .*finite"),
    Case("complete-k-over-candidates", cli("complete", "man", "king", "woman", "-k", "100000", *MODEL),
         "^relvec complete: error: -k must be at most"),
    Case("complete-vocabulary-only-question-words", cli("complete", "man", "king", "woman", "--vocabulary", "v.txt",
         "-k", "1", *MODEL), "no candidate", setup=lambda ws: ws.file("v.txt", "man\nking\nwoman\n")),
    Case("complete-vocabulary-binary", cli("complete", "man", "king", "woman", "--vocabulary", "v.txt", *MODEL),
         "v.txt', line 1: not valid UTF-8", setup=lambda ws: ws.file("v.txt", b"\xff\xfe\x00m\x00a\x00n\n")),
    Case("complete-vocabulary-folder", cli("complete", "man", "king", "woman", "--vocabulary", "d", *MODEL),
         "--vocabulary 'd'", setup=lambda ws: (ws.root / "d").mkdir()),
    # relvec label
    Case("label-output-is-the-pairs", cli("label", "pairs.tsv", "--relations", "rel.jsonl", "-o", "pairs.tsv",
         *MODEL), "is the input", setup=lambda ws: (_pairs(ws), _relations(ws)), protect=("pairs.tsv",)),
    Case("label-output-is-the-relations", cli("label", "pairs.tsv", "--relations", "rel.jsonl", "-o", "rel.jsonl",
         *MODEL), "is the input", setup=lambda ws: (_pairs(ws), _relations(ws)), protect=("rel.jsonl",)),
    Case("label-output-links-to-the-relations", cli("label", "pairs.tsv", "--relations", "rel.jsonl", "-o",
         "out.jsonl", *MODEL), "is the input", setup=lambda ws: (_pairs(ws), _relations(ws),
                                                                  (ws.root / "out.jsonl").symlink_to("rel.jsonl")),
         protect=("rel.jsonl",)),
    Case("label-read-only-folder", cli("label", "pairs.tsv", "--relations", "rel.jsonl", "-o", "ro/out.tsv",
         *MODEL), "ro.*(not writable|read-only)", setup=lambda ws: (_pairs(ws), _relations(ws), _read_only(ws))),
    Case("label-disk-full", disk_full(cli("label", "pairs.tsv", "--relations", "rel.jsonl", "-o", "out.tsv", "-q",
         *MODEL), 16), "writing .*out.tsv.* failed", setup=lambda ws: (_pairs(ws), _relations(ws)),
         protect=("out.tsv",)),
    Case("label-relations-not-utf8", cli("label", "pairs.tsv", "--relations", "rel.jsonl", *MODEL),
         "rel.jsonl.*line 1: not valid UTF-8",
         setup=lambda ws: (_pairs(ws), ws.file("rel.jsonl", RELATIONS_LINES.replace("paris", "caf\xe9").encode(
             "latin-1")))),
    Case("label-replaces-a-0644-file-as-0644", umask(cli("label", "pairs.tsv", "--relations", "rel.jsonl", "-o",
         "out.tsv", "-q", *MODEL)), "out.tsv keeps mode 0644", kind="ok",
         setup=lambda ws: (_pairs(ws), _relations(ws), ws.file("out.tsv", "old\n").chmod(0o644)),
         check=lambda ws, r: r.code == 0 and _mode(ws.root / "out.tsv") == 0o644
         and len((ws.root / "out.tsv").read_text().splitlines()) == 5),
    # relvec map
    Case("map-sample-below-four", cli("map", "pairs.tsv", "-o", "m.png", "--sample", "3", *MODEL),
         "--sample must be .*4", setup=_pairs),
    Case("map-output-is-the-input", cli("map", "p.png", "--input-format", "tsv", "-o", "p.png", *MODEL),
         "is the input", setup=lambda ws: _pairs(ws, "p.png"), protect=("p.png",)),
    Case("map-read-only-folder", cli("map", "pairs.tsv", "-o", "ro/m.png", *MODEL), "ro.*(not writable|read-only)",
         setup=lambda ws: (_pairs(ws), _read_only(ws))),
    # relvec export
    Case("export-onto-the-index-file", cli("export", "idx", "-o", "idx/index.faiss"), "inside the input folder 'idx'",
         setup=_index, protect=("idx",)),
    Case("export-onto-the-index-pairs", cli("export", "idx", "-o", "idx/pairs.jsonl"), "inside the input folder 'idx'",
         setup=_index, protect=("idx",)),
    Case("export-into-the-index-folder", cli("export", "idx", "-o", "idx/vectors.txt"), "inside the input folder 'idx'",
         setup=_index, protect=("idx",)),
    Case("export-read-only-folder", cli("export", "idx", "-o", "ro/v.txt"), "ro.*(not writable|read-only)",
         setup=lambda ws: (_index(ws), _read_only(ws))),
    Case("export-disk-full", disk_full(cli("export", "idx", "-o", "v.txt"), 64), "writing .*v.txt.* failed",
         setup=_index),
    Case("export-nan-index", cli("export", "idx", "-o", "v.txt"), "index.faiss.*(NaN|not finite)",
         setup=_crafted_index(lambda faiss, v: _flat(faiss, np.full_like(v, np.nan)))),
    Case("export-umask-mode", umask(cli("export", "idx", "-o", "v.txt")), "v.txt is 0644", kind="ok", setup=_index,
         check=lambda ws, r: r.code == 0 and _mode(ws.root / "v.txt") == 0o644),
    Case("export-space-and-underscore-keys", lambda ws: _exported(ws, [("new york", "usa"), ("new_york", "usa")]),
         "two distinct keys, both vectors kept", kind="ok", check=_gensim_keys_distinct),
    Case("export-double-underscore-keys", lambda ws: _exported(ws, [("a__b", "c"), ("a", "b__c")]),
         "two distinct keys, both vectors kept", kind="ok", check=_gensim_keys_distinct),
    Case("export-true-repeat-counted", lambda ws: _exported(ws, [("paris", "france"), ("paris", "france")]),
         "one key, one repeat", kind="ok", check=lambda ws, r: r == (1, 1) and _w2v_keys(ws.root / "out.txt") == [
             "paris__france"]),
    # relvec serve: requests
    Case("serve-k-true", http("POST", "/search", {"pairs": [["paris", "france"]], "k": True}, index=True),
         "^422 k: "),
    Case("serve-normalize-a-string", http("POST", "/embed", {"pairs": [["paris", "france"]], "normalize": "yes"}),
         "^422 normalize: "),
    Case("serve-lone-surrogate", http("POST", "/embed", raw=b'{"pairs": [["\\ud800", "x"]]}'),
         r"^422 pairs\[0\]\[0\]: "),
    Case("serve-nan-literal-k", http("POST", "/search", raw=b'{"pairs": [["a", "b"]], "k": NaN}', index=True),
         "^422 k: "),
    Case("serve-infinity-literal-word", http("POST", "/embed", raw=b'{"pairs": [[Infinity, "x"]]}'),
         r"^422 pairs\[0\]\[0\]: "),
    Case("serve-nan-literal-normalize", http("POST", "/embed", raw=b'{"pairs": [["a", "b"]], "normalize": NaN}'),
         "^422 normalize: "),
    Case("serve-deep-nesting", http("POST", "/embed", raw=b'{"pairs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
         "^400 body: .*nest"),
    Case("serve-invalid-utf8", http("POST", "/embed", raw=b'{"pairs": [["caf\xe9", "x"]]}'),
         "^400 body: .*UTF-8.*byte"),
    Case("serve-complete-no-candidates", http("POST", "/complete", {"a": "man", "b": "king", "c": "woman", "k": 1},
         completer=_question_words_only), "^422 .*no candidate"),
    Case("serve-search-k-over-index", http("POST", "/search", {"pairs": [["paris", "france"]], "k": 50}, index=True),
         "^422 k: .*index size 3"),
    Case("serve-health-while-loading", _health_while_loading, "503 until the model is loaded", kind="ok",
         check=lambda ws, r: r.status == 503 and r.body == {"status": "loading"}),
    # relvec serve: the command line, checked before the model loads
    Case("serve-host-invalid", cli("serve", *MODEL, "--host", "999.1.1.1"), "--host '999.1.1.1'"),
    Case("serve-port-taken", _port_taken, "--port .*(in use|cannot listen)"),
    # model folders from someone else
    Case("model-auto-map-config", cli("embed", "pairs.tsv", "-m", "hostile"), "config.json.*auto_map.*custom code",
         setup=lambda ws: (_pairs(ws), make_hostile(ws))),
    Case("model-auto-map-tokenizer", cli("embed", "pairs.tsv", "-m", "hostile"),
         "tokenizer_config.json.*auto_map.*custom code", setup=lambda ws: (_pairs(ws), make_hostile(ws,
                                                                                                    where="tokenizer"))),
    Case("model-auto-map-evaluate", cli("evaluate", "hostile", "-d", "u2"), "auto_map",
         setup=lambda ws: make_hostile(ws)),
    Case("model-auto-map-api", lambda ws: __import__("relvec").RelationEncoder(make_hostile(ws)), "auto_map"),
    Case("model-auto-map-ray-dim", cli("embed", "pairs.tsv", "-o", "out.npy", "-m", "hostile", "--ray"), "auto_map",
         setup=lambda ws: (_pairs(ws), make_hostile(ws))),
    Case("model-pickled-weights", cli("embed", "pairs.tsv", "-m", "pickled"),
         "pytorch_model.bin holds non-tensor pickle data", setup=lambda ws: (_pairs(ws), _pickled_weights(ws))),
    Case("model-num-hidden-layers-negative", cli("embed", "pairs.tsv", "-m", "model"),
         "config.json: num_hidden_layers must be a positive integer",
         setup=lambda ws: (_pairs(ws), _model(ws, config={"num_hidden_layers": -1}))),
    Case("model-num-attention-heads-zero", cli("embed", "pairs.tsv", "-m", "model"),
         "config.json: num_attention_heads must be a positive integer",
         setup=lambda ws: (_pairs(ws), _model(ws, config={"num_attention_heads": 0}))),
    Case("model-hidden-size-text", cli("embed", "pairs.tsv", "-m", "model"),
         "config.json: hidden_size must be a positive integer",
         setup=lambda ws: (_pairs(ws), _model(ws, config={"hidden_size": "32"}))),
    Case("model-type-mismatch", cli("embed", "pairs.tsv", "-m", "model"), "model.safetensors.*(missing|do not fit)",
         setup=lambda ws: (_pairs(ws), _model(ws, config={"model_type": "gpt2"}))),
    Case("model-fewer-layers-than-weights", cli("embed", "pairs.tsv", "-m", "model"),
         "model.safetensors.*(unused|do not fit)",
         setup=lambda ws: (_pairs(ws), _model(ws, config={"num_hidden_layers": 1}))),
    Case("model-truncated-weights", cli("embed", "pairs.tsv", "-m", "model"), "could not load",
         setup=lambda ws: (_pairs(ws), _model(ws, model__safetensors=(ws.tiny / "model.safetensors").read_bytes()[
             :5000]))),
    Case("model-no-weights", cli("embed", "pairs.tsv", "-m", "model"), "could not load",
         setup=lambda ws: (_pairs(ws), _model(ws, model__safetensors=None))),
    Case("model-config-a-list", cli("embed", "pairs.tsv", "-m", "model"), "config.json.*JSON object",
         setup=lambda ws: (_pairs(ws), _model(ws, config__json="[1, 2]"))),
    Case("model-config-not-utf8", cli("embed", "pairs.tsv", "-m", "model"), "config.json.*(UTF-8|not valid JSON)",
         setup=lambda ws: (_pairs(ws), _model(ws, config__json=b'{"model_type": "b\xe9rt"}'))),
    Case("model-relvec-config-not-utf8", cli("embed", "pairs.tsv", "-m", "model"),
         "relvec_config.json.*(UTF-8|not valid JSON)",
         setup=lambda ws: (_pairs(ws), _model(ws, relvec_config__json=b'{"format_version": 1, "pooling": "m\xe9"}'))),
    Case("model-static-weight-overflow", cli("embed", "pairs.tsv", "-m", "model"), "static_weight",
         setup=lambda ws: (_pairs(ws), _model(ws, relvec_config__json=OVERFLOWING))),
    # the apps' Python API
    Case("api-index-load-a-number", lambda ws: __import__("relvec.apps.index").apps.index.RelationIndex.load(123),
         "folder must be"),
    Case("api-index-load-a-file", lambda ws: __import__("relvec.apps.index").apps.index.RelationIndex.load(
         _pairs(ws)), "is a file"),
    Case("api-index-add-zero-row", lambda ws: _api_index([[1, 0], [0, 0], [1, 1]]), "zero"),
    Case("api-index-search-zero-query", lambda ws: _api_index().search(np.zeros(2, np.float32), 1), "zero"),
    Case("api-index-search-nan-query", lambda ws: _api_index().search(np.full(2, np.nan, np.float32), 1),
         "finite"),
    Case("api-index-exclude-shared-yes", lambda ws: _api_index().search("a:b", 1, exclude_shared_words="yes"),
         "exclude_shared_words must be True or False"),
    Case("api-cosine-matrix-widths", lambda ws: _cosine_matrix(
         np.ones((2, 3)), np.ones((2, 4))), "others must be .*3"),
    Case("api-cosine-matrix-nan", lambda ws: _cosine_matrix(
         np.array([[1.0, np.nan], [1.0, 0.0]])), "finite"),
    Case("api-cosine-matrix-a-list-of-text", lambda ws: _cosine_matrix(
         [["a", "b"]]), "vectors must be"),
    Case("api-completer-static-none", lambda ws: _completer(None), "static must be"),
    Case("api-completer-nan-static", lambda ws: _completer(__import__("relvec.apps.complete").apps.complete
         .keyed_vectors(["a", "b"], np.array([[np.nan, 1.0], [1.0, 0.0]]))), "finite"),
    Case("api-completer-nan-encoder", lambda ws: _completer(encoder=_Vectors([[np.nan, 1.0]])).complete(
         "man", "king", "woman", 1), "NaN or infinite"),
    Case("api-completer-offset-weight-inf", lambda ws: _completer(offset_weight=float("inf")),
         "offset_weight must be .*finite"),
    Case("api-labeller-nan-encoder", lambda ws: _labeller(_Vectors([[np.nan, 1.0]])), "NaN or infinite"),
    Case("api-label-relations-not-utf8", lambda ws: __import__("relvec.apps.label").apps.label.read_relations(
         ws.file("r.jsonl", b'{"relation": "caf\xe9", "pairs": [["a", "b"]]}\n')), "line 1: not valid UTF-8"),
    Case("api-export-none", lambda ws: _export(None, ws.root / "v.txt"), "index must be"),
    Case("api-export-to-a-folder", lambda ws: _export(_api_index(), ws.root), "is a folder"),
    Case("api-encode-lone-surrogate", lambda ws: ws.encoder().encode([("\ud800", "x")]),
         "(surrogate|not valid Unicode)"),
    Case("api-encoder-unknown-keyword", lambda ws: ws.encoder(poolin="mask"), "unknown option.*poolin"),
    Case("api-encoder-options-unknown-keyword", lambda ws: __import__("relvec.embedding.options").embedding.options
         .EncoderOptions(bach_size=8), "unknown option.*bach_size"),
    # every output: the check before the work
    Case("embed-resume-other-pooling", then(_interrupted_embed, cli("embed", "pairs.tsv", "-o", "out.npy",
         "--chunk-size", "2", "--resume", "-p", "mask", *MODEL)), "pooling None.*this run.*'mask'"),
]  # fmt: skip
