"""The table of bad and odd inputs: each must end in a clear one-line error, or be handled right.

Issue 15's cases (embed, train, evaluate, data, the encoder and loss APIs) are here; issue 21's (index,
search, similarity, complete, label, map, export, serve, model folders, the apps API, outputs) are in
``bad_inputs_wings.py``. How a case runs and what each outcome means (clear, unclear, traceback, silent,
lost, ran-code) is in ``bad_inputs_harness.py``.

With ``RELVEC_BAD_INPUTS_REPORT=FILE`` set, each outcome is appended to FILE as a JSON line, so that the
counts can be made for any checkout (``python tests/test_bad_inputs.py FILE`` prints them, per table).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from bad_inputs_harness import TSV, Case, CliResult, Workspace, cli, outcome, summary, then
from bad_inputs_wings import WING_CASES
from relvec.training import losses

# --- helpers for the cases -----------------------------------------------------------------------------------


def _pairs(ws: Workspace, content: str | bytes = TSV, name: str = "pairs.tsv") -> Path:
    return ws.file(name, content)


def _old_output(ws: Workspace, name: str = "out.npy") -> Path:
    return ws.file(name, b"the user's old file")


class _RunsCode:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _crafted_run(ws: Workspace) -> None:
    """A run folder from someone else: a valid config and a checkpoint whose pickle would run a command."""
    config = ws.config()
    run = ws.root / "run"
    (run / "checkpoint").mkdir(parents=True)
    (run / "train_config.json").write_text(json.dumps(config.to_dict()))
    state = {"model": {}, "optimizer": {}, "scheduler": {}, "random": {}, "position": {}, "history": [], "best": {}}
    state["history"] = _RunsCode(str(ws.root / "ran"))
    torch.save(state, run / "checkpoint" / "state.pt")


def _run_folder(ws: Workspace, config_text: str | None = None, checkpoint: bool = True) -> None:
    run = ws.root / "run"
    run.mkdir()
    (run / "train_config.json").write_text(config_text or json.dumps(ws.config().to_dict()))
    (run / "train_log.jsonl").write_text("")
    if checkpoint:
        (run / "checkpoint").mkdir()
        (run / "checkpoint" / "state.pt").write_bytes(b"")


def _questions():
    from relvec.data import AnalogyQuestion

    return [AnalogyQuestion(("a", "b"), (("c", "d"), ("e", "f"), ("g", "h")), 0)]


class _NanEmbedder:
    def encode(self, pairs):
        return np.full((len(pairs), 4), np.nan, dtype=np.float32)


def _loss(*, anchors=None, positives=None, negatives=None, embeddings=None):
    from relvec.training.losses import InfoNCE

    embeddings = torch.randn(4, 8) if embeddings is None else embeddings
    anchors = torch.tensor([0, 1]) if anchors is None else anchors
    positives = torch.tensor([1, 0]) if positives is None else positives
    if negatives is None:
        negatives = torch.tensor([[False, False, True, True], [False, False, True, True]])
    return InfoNCE()(embeddings, anchors, positives, negatives)


# --- the table -------------------------------------------------------------------------------------------------

EMBED = ("-m", "{tiny}")
# A bad value that goes unchecked should end in a short run on the tiny encoder, not a 12-epoch one.
QUICK = ("-o", "run", "--encoder", "{tiny}", "--max-steps", "1", "--device", "cpu")
CASES = [
    # relvec embed: outputs
    Case("embed-output-is-input", then(lambda ws: _pairs(ws, '["a", "b"]\n', "p.jsonl"),
         cli("embed", "p.jsonl", "-o", "p.jsonl", *EMBED)), "is the input file", protect=("p.jsonl",)),
    Case("embed-output-is-input-other-spelling", then(lambda ws: _pairs(ws, '["a", "b"]\n', "p.jsonl"),
         cli("embed", "p.jsonl", "-o", "{root}/./p.jsonl", *EMBED)), "is the input file", protect=("p.jsonl",)),
    Case("embed-output-is-a-folder", then(lambda ws: (ws.root / "d").mkdir(), cli("embed", "pairs.tsv", "-o", "d",
         "--output-format", "npy", *EMBED)), "is a folder", setup=_pairs),
    Case("embed-output-folder-missing", cli("embed", "pairs.tsv", "-o", "no/such/out.npy", *EMBED),
         "does not exist", setup=_pairs),
    Case("embed-output-inside-a-file", cli("embed", "pairs.tsv", "-o", "pairs.tsv/out.npy", *EMBED),
         "folder .*(is a file|does not exist)", setup=_pairs),
    Case("embed-bad-line-in-later-chunk-keeps-old-output", then(lambda ws: _pairs(ws, TSV * 3 + "oops\n"),
         cli("embed", "pairs.tsv", "-o", "out.npy", "--chunk-size", "2", *EMBED)),
         r"line 10: expected 'head<TAB>tail'.*row\(s\) kept in .*out.npy.partial", protect=("out.npy",),
         setup=_old_output),
    Case("embed-partial-without-resume", then(lambda ws: (ws.file("out.npy.partial", b"x"),
                                              ws.file("out.npy.partial.json", '{"rows": 0, "bytes": 1}')),
         cli("embed", "pairs.tsv", "-o", "out.npy", *EMBED)), "holds the work of an interrupted run.*--resume",
         setup=_pairs, protect=("out.npy.partial",)),
    Case("embed-resume-nothing", cli("embed", "pairs.tsv", "-o", "out.npy", "--resume", *EMBED),
         "no interrupted run to continue", setup=_pairs),
    Case("embed-resume-to-stdout", cli("embed", "pairs.tsv", "--resume", *EMBED), "--resume needs an --output file",
         setup=_pairs),
    Case("embed-output-unknown-suffix", cli("embed", "pairs.tsv", "-o", "out.txt", *EMBED),
         "cannot tell its format", setup=_pairs),
    # relvec embed: input files
    Case("embed-input-missing", cli("embed", "nope.tsv", *EMBED), "does not exist"),
    Case("embed-input-is-a-folder", then(lambda ws: (ws.root / "d.tsv").mkdir(), cli("embed", "d.tsv", *EMBED)),
         "is a folder"),
    Case("embed-input-not-utf8", cli("embed", "latin.tsv", *EMBED), r"latin.tsv, line 1: not valid UTF-8",
         setup=lambda ws: _pairs(ws, "caf\u00e9\tdrink\n".encode("latin-1"), "latin.tsv")),
    Case("embed-input-not-utf8-line-3", cli("embed", "latin.tsv", *EMBED), r"line 3: not valid UTF-8",
         setup=lambda ws: _pairs(ws, TSV.encode()[:-1] + b"\xff\n", "latin.tsv")),
    Case("embed-bom-is-not-part-of-the-head", cli("embed", "bom.tsv", "-o", "out.jsonl", *EMBED),
         "the BOM is dropped", kind="ok", setup=lambda ws: _pairs(ws, "\ufeff" + TSV, "bom.tsv"),
         check=lambda ws, r: r.code == 0 and [json.loads(line)["head"] for line in
                                              (ws.root / "out.jsonl").read_text().splitlines()] == ["paris", "cat",
                                                                                                     "big"]),
    Case("embed-nul-in-word", cli("embed", "nul.tsv", *EMBED), "without control characters",
         setup=lambda ws: _pairs(ws, "pa\x00ris\tfrance\n", "nul.tsv")),
    Case("embed-escape-in-word", cli("embed", "esc.tsv", *EMBED), "without control characters",
         setup=lambda ws: _pairs(ws, "paris\t\x1b[31mfrance\n", "esc.tsv")),
    Case("embed-third-column-ignored", cli("embed", "three.tsv", "-o", "out.jsonl", *EMBED),
         "a third column is ignored", kind="ok",
         setup=lambda ws: _pairs(ws, "paris\tfrance\tcapital\n", "three.tsv"),
         check=lambda ws, r: r.code == 0 and [json.loads(line)["head"] for line in
                                              (ws.root / "out.jsonl").read_text().splitlines()] == ["paris"]),
    Case("embed-one-column", cli("embed", "one.tsv", *EMBED), "expected 'head<TAB>tail'",
         setup=lambda ws: _pairs(ws, "paris france\n", "one.tsv")),
    Case("embed-empty-head", cli("embed", "e.tsv", *EMBED), "a non-empty word",
         setup=lambda ws: _pairs(ws, "\tfrance\n", "e.tsv")),
    Case("embed-jsonl-not-json", cli("embed", "p.jsonl", *EMBED), "not valid JSON",
         setup=lambda ws: _pairs(ws, "[paris, france]\n", "p.jsonl")),
    Case("embed-jsonl-missing-tail", cli("embed", "p.jsonl", *EMBED), "needs 'head' and 'tail'",
         setup=lambda ws: _pairs(ws, '{"head": "paris"}\n', "p.jsonl")),
    Case("embed-jsonl-numbers", cli("embed", "p.jsonl", *EMBED), "must be a string",
         setup=lambda ws: _pairs(ws, "[1, 2]\n", "p.jsonl")),
    Case("embed-jsonl-three-words", cli("embed", "p.jsonl", *EMBED), "a \\(head, tail\\) pair of two words",
         setup=lambda ws: _pairs(ws, '["a", "b", "c"]\n', "p.jsonl")),
    Case("embed-empty-input", cli("embed", "empty.tsv", "-o", "out.npy", *EMBED), "an empty (0, 32) array",
         kind="ok", setup=lambda ws: _pairs(ws, "\n\n", "empty.tsv"),
         check=lambda ws, r: r.code == 0 and np.load(ws.root / "out.npy").shape == (0, 32)),
    # relvec embed: words the encoder cannot tell apart
    Case("embed-10000-character-words", cli("embed", "long.tsv", *EMBED), "becomes only the unknown token",
         setup=lambda ws: _pairs(ws, f"{'a' * 10000}\tx\n{'b' * 10000}\tx\n", "long.tsv")),
    Case("embed-101-character-word", cli("embed", "long.tsv", *EMBED), "becomes only the unknown token",
         setup=lambda ws: _pairs(ws, f"{'a' * 101}\tx\n", "long.tsv")),
    Case("embed-unknown-symbol-word", cli("embed", "sym.tsv", *EMBED), "'\u2603' becomes only the unknown token",
         setup=lambda ws: _pairs(ws, "\u2603\tsnow\n", "sym.tsv")),
    Case("embed-word-that-is-no-token", cli("embed", "zw.tsv", *EMBED), "becomes no token at all",
         setup=lambda ws: _pairs(ws, "cat\t\u200b\n", "zw.tsv")),
    Case("embed-word-is-the-mask-token", cli("embed", "m.tsv", *EMBED), "without the mask token",
         setup=lambda ws: _pairs(ws, "[MASK]\tx\n", "m.tsv")),
    # relvec embed: model and options
    Case("embed-model-without-tokenizer", then(Workspace.broken_model, cli("embed", "pairs.tsv", "-o", "out.npy",
         "-m", "broken-model")), "missing its tokenizer files", setup=_pairs, protect=("out.npy",)),
    Case("embed-mistyped-local-folder", then(lambda ws: (ws.root / "runs").mkdir(),
         cli("embed", "pairs.tsv", "-m", "runs/my-modle")), r"an existing model folder \(runs/my-modle does not",
         setup=_pairs),
    Case("embed-dot-missing-folder", cli("embed", "pairs.tsv", "-m", "./missing-model"), "does not exist",
         setup=_pairs),
    Case("embed-home-missing-folder", cli("embed", "pairs.tsv", "-m", "~/relvec-missing-model"), "does not exist",
         setup=_pairs),
    Case("embed-model-is-a-file", cli("embed", "pairs.tsv", "-m", "pairs.tsv"), "a model folder, not a file",
         setup=_pairs),
    Case("embed-template-with-literal-mask", cli("embed", "pairs.tsv", *EMBED, "-t", "[MASK] <subj> <obj> <mask>"),
         "without the literal mask token '\\[MASK\\]'", setup=_pairs),
    Case("embed-template-two-masks", cli("embed", "pairs.tsv", *EMBED, "-t", "<subj> <obj> <mask> <mask>"),
         "exactly one <mask>", setup=_pairs),
    Case("embed-template-no-subj", cli("embed", "pairs.tsv", *EMBED, "-t", "<obj> <mask>"), "template must be",
         setup=_pairs),
    Case("embed-unknown-pooling", cli("embed", "pairs.tsv", *EMBED, "-p", "avg"), "pooling must be one of",
         setup=_pairs),
    Case("embed-chunk-size-0", cli("embed", "pairs.tsv", *EMBED, "--chunk-size", "0"), "--chunk-size must be",
         setup=_pairs),
    Case("embed-chunk-size-negative", cli("embed", "pairs.tsv", *EMBED, "--chunk-size", "-3"), "--chunk-size must",
         setup=_pairs),
    Case("embed-chunk-size-text", cli("embed", "pairs.tsv", *EMBED, "--chunk-size", "many"), "invalid int value",
         setup=_pairs),
    Case("embed-batch-size-0", cli("embed", "pairs.tsv", *EMBED, "-b", "0"), "batch_size must be a positive",
         setup=_pairs),
    Case("embed-precision-fp16", cli("embed", "pairs.tsv", *EMBED, "--precision", "fp16"), "precision must be one",
         setup=_pairs),
    Case("embed-device-gpu0", cli("embed", "pairs.tsv", *EMBED, "--device", "gpu0"), "device must be a torch device",
         setup=_pairs),
    Case("embed-input-format-csv", cli("embed", "pairs.tsv", *EMBED, "--input-format", "csv"), "invalid choice",
         setup=_pairs),
    Case("embed-npy-to-stdout", cli("embed", "pairs.tsv", *EMBED, "--output-format", "npy"), "needs an --output",
         setup=_pairs),
    # relvec train
    Case("train-crafted-checkpoint", then(_crafted_run, lambda ws: cli("train", "-o", "run", "--resume",
         *ws.train_options())(ws)), "holds objects other than tensors.*could run code"),
    Case("train-corrupt-run-config", then(lambda ws: _run_folder(ws, "{not json"), lambda ws: cli("train", "-o",
         "run", "--resume", *ws.train_options())(ws)), "train_config.json is not valid JSON.*--overwrite"),
    Case("train-killed-before-first-checkpoint", then(lambda ws: _run_folder(ws, checkpoint=False), lambda ws: cli(
         "train", "-o", "run", "--resume", *ws.train_options())(ws)), "before its first checkpoint.*--overwrite"),
    Case("train-rerun-without-resume", then(_run_folder, lambda ws: cli("train", "-o", "run",
         *ws.train_options())(ws)), "already holds files; pass resume to continue it or overwrite"),
    Case("train-resume-and-overwrite", then(_run_folder, lambda ws: cli("train", "-o", "run", "--resume",
         "--overwrite", *ws.train_options())(ws)), "either resume or overwrite"),
    Case("train-output-is-a-file", lambda ws: cli("train", "-o", "pairs.tsv", *ws.train_options())(ws),
         "is a file", setup=_pairs, protect=("pairs.tsv",)),
    Case("train-output-inside-a-file", lambda ws: cli("train", "-o", "pairs.tsv/run", *ws.train_options())(ws),
         "is a file, so the folder cannot be made", setup=_pairs),
    Case("train-config-missing", cli("train", *QUICK, "--config", "nope.json"), "does not exist"),
    Case("train-config-not-json", cli("train", *QUICK, "--config", "c.json"), "is not valid JSON",
         setup=lambda ws: ws.file("c.json", "{epochs: 1}")),
    Case("train-config-a-list", cli("train", *QUICK, "--config", "c.json"), "must hold a JSON object",
         setup=lambda ws: ws.file("c.json", "[1, 2]")),
    Case("train-config-unknown-key", cli("train", *QUICK, "--config", "c.json"), "unknown option\\(s\\) epoch",
         setup=lambda ws: ws.file("c.json", '{"epoch": 1}')),
    Case("train-config-temperature-true", cli("train", *QUICK, "--config", "c.json"),
         "temperature must be a number in \\(0, 10\\]; got True", setup=lambda ws: ws.file("c.json",
                                                                                             '{"temperature": true}')),
    Case("train-config-lr-text", cli("train", *QUICK, "--config", "c.json"), "lr must be a learning rate",
         setup=lambda ws: ws.file("c.json", '{"lr": "0.001"}')),
    Case("train-config-exclude-a-string", cli("train", *QUICK, "--config", "c.json"), "exclude must be a list",
         setup=lambda ws: ws.file("c.json", '{"exclude": "Cause-Purpose"}')),
    Case("train-config-data-a-number", cli("train", *QUICK, "--config", "c.json"), "data must be",
         setup=lambda ws: ws.file("c.json", '{"data": 5}')),
    Case("train-config-epochs-float", cli("train", *QUICK, "--config", "c.json"), "epochs must be a positive",
         setup=lambda ws: ws.file("c.json", '{"epochs": 1.5}')),
    Case("train-epochs-0", cli("train", *QUICK, "--epochs", "0"), "epochs must be a positive integer"),
    Case("train-lr-2", cli("train", *QUICK, "--lr", "2"), "lr must be a learning rate in \\(0, 1\\)"),
    Case("train-lr-nan", cli("train", *QUICK, "--lr", "nan"), "lr must be a learning rate"),
    Case("train-seed-negative", cli("train", *QUICK, "--seed", "-1"), "seed must be an integer >= 0"),
    Case("train-dropout-1", cli("train", *QUICK, "--dropout", "1"), "dropout must be null"),
    Case("train-max-steps-0", cli("train", *QUICK, "--max-steps", "0"), "max_steps must be a positive"),
    Case("train-warmup-1", cli("train", *QUICK, "--warmup", "1"), "warmup must be a fraction"),
    Case("train-loss-nce", cli("train", *QUICK, "--loss", "nce"), "loss must be one of"),
    Case("train-data-missing", cli("train", "-o", "run", "--data", "nope.jsonl", "--encoder", "{tiny}"),
         "nope.jsonl: file not found"),
    # relvec evaluate
    Case("evaluate-output-is-a-file", cli("evaluate", "{tiny}", "-d", "u2", "-o", "pairs.tsv"),
         "is a file; give a folder", setup=_pairs, protect=("pairs.tsv",)),
    Case("evaluate-without-matplotlib", lambda ws: _without_matplotlib(cli("evaluate", "{tiny}", "-d", "u2", "-o",
         "report"), ws), "needs matplotlib.*relvec\\[eval\\]"),
    Case("evaluate-model-without-tokenizer", then(Workspace.broken_model, cli("evaluate", "broken-model", "-d",
         "u2")), "missing its tokenizer files"),
    Case("evaluate-missing-model-folder", cli("evaluate", "./nope", "-d", "u2"), "no such model folder"),
    Case("evaluate-mistyped-local-folder", then(lambda ws: (ws.root / "runs").mkdir(), cli("evaluate",
         "runs/my-modle", "-d", "u2")), "no such model folder"),
    # no MODEL means the trained default: the datasets are checked before it is built
    Case("evaluate-no-model-bad-dataset", cli("evaluate", "-d", "u3"), "dataset must be one of"),
    Case("evaluate-split-train", cli("evaluate", "{tiny}", "--split", "train"), "--split must be one of"),
    Case("evaluate-direction", cli("evaluate", "{tiny}", "--direction", "sideways"), "--direction must be one of"),
    Case("evaluate-metric", cli("evaluate", "{tiny}", "--metric", "f2"), "--metric must be one of"),
    Case("evaluate-unknown-dataset", cli("evaluate", "{tiny}", "-d", "u3"), "u3"),
    Case("evaluate-compare-missing", cli("evaluate", "{tiny}", "-d", "u2", "--compare", "old"), "no results.json"),
    Case("evaluate-data-dir-missing", cli("evaluate", "{tiny}", "-d", "u2", "--data-dir", "nodata"),
         "must be an existing folder"),
    # relvec data
    Case("data-without-a-folder", cli("data"), "the catalogue and where to point it", kind="ok",
         env={"RELVEC_DATA": None}, check=lambda ws, r: r.code == 0 and "semeval2012" in r.out
         and "--data-dir" in r.err and "relvec data download" in r.err),
    Case("data-dir-missing", cli("data", "--data-dir", "nodata"), "must be an existing folder"),
    Case("data-download-unknown", cli("data", "download", "u3"), "dataset name must be one of"),
    Case("data-download-dest-a-file", cli("data", "download", "u2", "--dest", "pairs.tsv"),
         "--dest 'pairs.tsv' is a file", setup=_pairs, protect=("pairs.tsv",)),
    # API: RelationEncoder
    Case("api-normalize-no", lambda ws: ws.encoder(normalize="no"), "normalize must be True or False; got 'no'"),
    Case("api-batch-size-true", lambda ws: ws.encoder(batch_size=True), "batch_size must be a positive integer"),
    Case("api-chunk-size-float", lambda ws: ws.encoder(chunk_size=1.5), "chunk_size must be a positive integer"),
    Case("api-max-length-over-limit", lambda ws: ws.encoder(max_length=1000), "max_length must be at most .* 128"),
    Case("api-max-length-0", lambda ws: ws.encoder(max_length=0), "max_length must be a positive integer"),
    Case("api-compile-yes", lambda ws: ws.encoder(compile="yes"), "compile must be True or False"),
    Case("api-encoder-a-number", lambda ws: __import__("relvec").RelationEncoder(123), "encoder must be"),
    Case("api-encoder-mistyped-folder", then(lambda ws: (ws.root / "runs").mkdir(),
         lambda ws: __import__("relvec").RelationEncoder("runs/my-modle")), "does not exist"),
    Case("api-encode-a-string", lambda ws: ws.encoder().encode("paris france"), "a list of \\(head, tail\\) pairs"),
    Case("api-encode-none", lambda ws: ws.encoder().encode(None), "a list of \\(head, tail\\) pairs"),
    Case("api-encode-triple", lambda ws: ws.encoder().encode([("a", "b", "c")]), "pair of two words"),
    Case("api-encode-numbers", lambda ws: ws.encoder().encode([(1, 2)]), "must be a string"),
    Case("api-encode-nul", lambda ws: ws.encoder().encode([("a\x00b", "c")]), "without control characters"),
    Case("api-encode-newline-inside", lambda ws: ws.encoder().encode([("a\nb", "c")]), "without control characters"),
    Case("api-encode-long-words-differ", lambda ws: ws.encoder().encode([("a" * 10000, "x"), ("b" * 10000, "x")]),
         "becomes only the unknown token"),
    Case("api-encode-batch-size-0", lambda ws: ws.encoder().encode([("a", "b")], batch_size=0), "batch_size must"),
    Case("api-template-literal-mask", lambda ws: ws.encoder(template="[MASK] <subj> <obj> <mask>"),
         "literal mask token"),
    Case("api-save-to-a-file", lambda ws: ws.encoder().save(_pairs(ws)), "is a file; give a folder",
         protect=("pairs.tsv",), setup=_pairs),
    Case("api-save-inside-a-file", lambda ws: ws.encoder().save(ws.root / "pairs.tsv" / "m"), "cannot be made",
         setup=_pairs),
    # API: losses
    Case("api-infonce-temperature-true", lambda ws: losses.InfoNCE(temperature=True),
         "temperature must be a number in \\(0, 10\\]; got True"),
    Case("api-infonce-temperature-nan", lambda ws: losses.InfoNCE(float("nan")),
         "temperature must be a number"),
    Case("api-triplet-margin-text", lambda ws: losses.Triplet("0.2"), "margin must be"),
    Case("api-loss-anchor-out-of-range", lambda ws: _loss(anchors=torch.tensor([0, 7])),
         "anchors must be indices into the 4 embeddings"),
    Case("api-loss-negative-index", lambda ws: _loss(positives=torch.tensor([1, -1])), "positives must be indices"),
    Case("api-loss-float-indices", lambda ws: _loss(anchors=torch.tensor([0.0, 1.0])), "anchors must be a 1-D integer"),
    Case("api-loss-bool-indices", lambda ws: _loss(anchors=torch.tensor([True, False])), "anchors must be a 1-D int"),
    Case("api-loss-integer-mask", lambda ws: _loss(negatives=torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1]])),
         "negatives must be a boolean"),
    Case("api-loss-numpy-inputs", lambda ws: _loss(embeddings=np.ones((4, 8), dtype=np.float32)),
         "embeddings must be a float torch.Tensor"),
    Case("api-loss-numpy-indices", lambda ws: _loss(anchors=np.array([0, 1])), "anchors must be a 1-D integer"),
    Case("api-loss-int-embeddings", lambda ws: _loss(embeddings=torch.ones(4, 8, dtype=torch.long)),
         "embeddings must be a float"),
    # API: data and evaluation
    Case("api-load-analogy-data-dir-123", lambda ws: __import__("relvec.data").data.load_analogy("u2", data_dir=123),
         "data_dir must be None or the path"),
    Case("api-load-analogy-unknown", lambda ws: __import__("relvec.data").data.load_analogy("u3"), "u3"),
    Case("api-analogy-accuracy-none", lambda ws: _analogy(None), "embedder must be an object with encode"),
    # both-direction scoring (the default) embeds the 4 pairs and their 4 reverses
    Case("api-analogy-accuracy-nan", lambda ws: _analogy(_NanEmbedder()), "NaN or infinite vectors for 8 of the 8"),
    Case("api-analogy-accuracy-no-questions", lambda ws: _analogy(_NanEmbedder(), []), "a non-empty list"),
    Case("api-train-config-lr-true", lambda ws: ws.config(lr=True).check(), "lr must be a learning rate"),
    Case("api-train-config-seed-float", lambda ws: ws.config(seed=1.5).check(), "seed must be an integer >= 0"),
    Case("api-resolve-data-dir-list", lambda ws: __import__("relvec.data").data.resolve_data_dir(["x"]), "data_dir"),
]  # fmt: skip
ISSUE_15 = len(CASES)
CASES += WING_CASES


def _analogy(embedder, questions=None):
    from relvec.tasks.analogy import analogy_accuracy

    return analogy_accuracy(embedder, _questions() if questions is None else questions)


def _without_matplotlib(run: Callable[[Workspace], CliResult], ws: Workspace) -> CliResult:
    hidden = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "matplotlib"}
    for name in hidden:
        del sys.modules[name]
    sys.modules["matplotlib"] = None  # import and find_spec now fail as if it were not installed
    try:
        return run(ws)
    finally:
        del sys.modules["matplotlib"]
        sys.modules.update(hidden)


@pytest.fixture
def workspace(tiny_encoder_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path, tiny_encoder_dir)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case, workspace, monkeypatch):
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    category, detail = outcome(case, workspace)
    report = os.environ.get("RELVEC_BAD_INPUTS_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as handle:
            table = "issue 15" if CASES.index(case) < ISSUE_15 else "issue 21"
            row = {"case": case.id, "table": table, "outcome": category, "detail": detail[:300]}
            handle.write(json.dumps(row) + "\n")
    assert category == "clear", f"{case.id}: {category}: {detail}"


def test_case_ids_are_unique():
    assert len({case.id for case in CASES}) == len(CASES)


if __name__ == "__main__":
    summary(sys.argv[1])
