"""How a case of the bad-input table runs and is classified (tests/test_bad_inputs.py holds the table).

Every case runs in a fresh folder (the working directory) beside the tiny encoder. Its outcome is one of

* ``clear``: a :class:`RelvecError` (API), exit 2 with one ``relvec ...: error:`` line (CLI) or an HTTP 4xx in
  the service's error shape (serve) whose message matches the case's pattern; or, for an ``ok`` case, a normal
  end that passes the case's check;
* ``unclear``: an error of the right kind whose message does not say what the case expects;
* ``traceback``: any other exception (a raw torch, numpy, json or OS error), or an HTTP 500;
* ``silent``: no error where one was due (or an ``ok`` case whose check fails: silent garbage);
* ``lost``: a file the user already had (or any file in a protected folder) was changed or removed;
* ``ran-code``: a crafted file ran its code (it creates ``ran`` in the workspace).

While a case runs, ``input()`` answers ``y``: a library that asks "run this folder's code? [y/N]" gets the
answer a hurried user might give, so a case proves that the answer does not matter.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relvec import RelvecError

TSV = "paris\tfrance\ncat\tanimal\nbig\tbigger\n"
RELATIONS = {
    "capital": [["paris", "france"], ["tokyo", "japan"], ["rome", "italy"]],
    "plural": [["cat", "cats"], ["dog", "dogs"], ["car", "cars"]],
    "opposite": [["hot", "cold"], ["up", "down"], ["wet", "dry"]],
}


@dataclass
class Workspace:
    """A fresh folder (also the working directory) and the tiny encoder folder."""

    root: Path
    tiny: Path

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def broken_model(self) -> Path:
        """The tiny encoder without its tokenizer files."""
        import shutil

        folder = self.root / "broken-model"
        shutil.copytree(self.tiny, folder)
        for item in folder.iterdir():
            if item.name not in ("config.json", "model.safetensors"):
                item.unlink()
        return folder

    def relations(self) -> Path:
        lines = [json.dumps({"relation": name, "positives": pairs}) for name, pairs in RELATIONS.items()]
        return self.file("relations.jsonl", "\n".join(lines) + "\n")

    def train_options(self) -> list[str]:
        return ["--encoder", str(self.tiny), "--data", str(self.relations()), "--epochs", "1", "--device", "cpu"]

    def config(self, **changes: Any):
        from relvec.training.config import TrainConfig

        # relvec train starts from the minilm recipe, so a folder that `--resume` accepts was made from it too.
        values = {"encoder": str(self.tiny), "data": str(self.relations()), "epochs": 1, "device": "cpu"}
        return TrainConfig.from_recipe("minilm", **{**values, **changes})

    def encoder(self, **options: Any):
        from relvec import RelationEncoder

        return RelationEncoder(self.tiny, device="cpu", **options)


@dataclass
class Case:
    id: str
    run: Callable[[Workspace], Any]
    expect: str  # a regex the error message must match; for kind "ok", a description
    kind: str = "error"  # "error": must fail clearly; "ok": must work, and `check` must pass
    check: Callable[[Workspace, Any], bool] | None = None
    protect: tuple[str, ...] = ()  # files or folders (relative to the workspace) that must survive unchanged
    env: dict[str, str | None] = field(default_factory=dict)
    setup: Callable[[Workspace], None] | None = None


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@dataclass
class HttpResult:
    """What the service answered: the status and the JSON body (None when it was not JSON)."""

    status: int
    body: Any

    def message(self) -> str | None:
        """``"422 k: <expected>"`` for a body in the service's error shape, else None."""
        try:
            error = self.body["errors"][0]
            return f"{self.status} {error['field']}: {error['expected']}"
        except (KeyError, IndexError, TypeError):
            return None


def cli(*args: str) -> Callable[[Workspace], CliResult]:
    """Run ``relvec ARGS`` in-process; ``{tiny}``, ``{root}`` in an argument are filled from the workspace."""

    def run(ws: Workspace) -> CliResult:
        from relvec.cli import main

        filled = [arg.format(tiny=ws.tiny, root=ws.root) for arg in args]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([*filled, *(["-q"] if filled[0] in ("embed", "evaluate", "train") else [])])
            except SystemExit as stop:  # argparse refusing an option: usage plus one error line, exit 2
                code = int(stop.code or 0) if not isinstance(stop.code, str) else 1
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def then(prepare: Callable[[Workspace], Any], run: Callable[[Workspace], Any]) -> Callable[[Workspace], Any]:
    def both(ws: Workspace) -> Any:
        prepare(ws)
        return run(ws)

    return both


# --- running a case -------------------------------------------------------------------------------------------


def _snapshot(path: Path) -> dict[str, bytes] | None:
    """A file's bytes, or every file under a folder by relative name (links as their targets); None if absent."""
    if path.is_symlink() and not path.exists():
        return None
    if path.is_file():
        return {"": path.read_bytes()}
    if path.is_dir():
        return {
            str(item.relative_to(path)): item.read_bytes() if item.is_file() else b"<folder>"
            for item in sorted(path.rglob("*"))
        }
    return None


def outcome(case: Case, ws: Workspace) -> tuple[str, str]:
    """``(category, detail)`` of one case; see the module docstring."""
    if case.setup is not None:
        case.setup(ws)
    protected = {name: _snapshot(ws.root / name) for name in case.protect}
    protected = {name: content for name, content in protected.items() if content is not None}
    crashed = None
    asked = builtins.input
    builtins.input = lambda *prompt: "y"
    try:
        result = case.run(ws)
    except RelvecError as error:
        message, result = str(error), None
        failed = True
    except Exception:
        crashed = traceback.format_exc().strip().splitlines()[-1]
    else:
        failed = (isinstance(result, CliResult) and result.code != 0) or (
            isinstance(result, HttpResult) and result.status >= 400 and case.kind != "ok"
        )
        message = result.err.strip() if isinstance(result, CliResult) else ""
    finally:
        builtins.input = asked
    # The worst outcome first: code that ran, then a user's file lost, then a raw exception.
    if (ws.root / "ran").exists():
        return "ran-code", "a crafted file ran its code"
    for name, content in protected.items():
        if _snapshot(ws.root / name) != content:
            return "lost", f"{name} was changed or removed"
    if crashed is not None:
        return "traceback", crashed
    if isinstance(result, HttpResult) and result.status == 500:
        return "traceback", f"HTTP {result.status}: {str(result.body)[:300]}"
    if case.kind == "ok":
        good = not failed and case.check is not None and case.check(ws, result)
        return ("clear", "") if good else ("silent", f"{case.expect}: not so ({message[:300]})")
    if not failed:
        return "silent", "no error"
    if isinstance(result, HttpResult):
        shown = result.message()
        if shown is None:
            return "unclear", f"HTTP {result.status} not in the error shape: {str(result.body)[:300]}"
        message = shown
    if isinstance(result, CliResult):
        if "Traceback" in result.err:
            return "traceback", message[-500:]
        lines = [line for line in message.splitlines() if "error:" in line]
        if result.code != 2 or len(lines) != 1:
            return "unclear", f"exit {result.code}: {message[:300]}"
        message = lines[0]
    if not re.search(case.expect, message):
        return "unclear", message[:300]
    return "clear", message


OUTCOMES = ("clear", "unclear", "traceback", "silent", "lost", "ran-code")


def summary(report: str) -> None:
    """Print the counts of a report file (RELVEC_BAD_INPUTS_REPORT), per table and in all, and every case that
    was not clear."""
    rows = [json.loads(line) for line in Path(report).read_text(encoding="utf-8").splitlines()]
    tables = sorted({row.get("table", "") for row in rows})
    print("| table | cases | " + " | ".join(OUTCOMES) + " |")
    print("|---|---|" + "---|" * len(OUTCOMES))
    for table in [*tables, "all"]:
        chosen = [row for row in rows if table in ("all", row.get("table", ""))]
        counts = [sum(row["outcome"] == name for row in chosen) for name in OUTCOMES]
        print(f"| {table or '-'} | {len(chosen)} | " + " | ".join(map(str, counts)) + " |")
    for row in rows:
        if row["outcome"] != "clear":
            print(f"  {row['outcome']:9} {row['case']}: {row['detail'][:160]!r}")
