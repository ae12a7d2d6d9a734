"""No folder's code runs: a model folder with custom code (auto_map) is refused before transformers reads it,
on a terminal too, where transformers would ask "Do you wish to run the custom code? [y/N]" and ``y`` would
run it; and every transformers load says trust_remote_code=False itself."""

from __future__ import annotations

import json
import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest

from bad_inputs_wings import hostile_folder
from relvec.errors import RelvecError

SRC = Path(__file__).resolve().parents[1] / "src"


def run_on_a_terminal(args: list[str], cwd: Path, timeout: float = 240.0) -> tuple[int, str]:
    """Run ``python -m relvec ARGS`` on a pseudo-terminal, answering ``y`` to anything it asks; (status, output)."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        os.chdir(cwd)
        os.environ["PYTHONPATH"] = str(SRC)
        os.execv(sys.executable, [sys.executable, "-m", "relvec", *args])
    output, deadline, answered = b"", time.monotonic() + timeout, 0
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([terminal], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(terminal, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            if output.count(b"[y/N]") > answered:  # say yes to every question, as a hurried user would
                os.write(terminal, b"y\n")
                answered += 1
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                break
        else:
            os.kill(pid, 9)
            pytest.fail(f"relvec {' '.join(args)} did not finish in {timeout} s: {output[-2000:]!r}")
        _, status = os.waitpid(pid, 0) if not finished else (pid, status)
    finally:
        os.close(terminal)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


@pytest.fixture
def hostile(tiny_encoder_dir, tmp_path):
    (tmp_path / "pairs.tsv").write_text("paris\tfrance\ncat\tanimal\n")
    return hostile_folder(tmp_path, tmp_path / "hostile", tiny_encoder_dir)


def test_embed_refuses_the_folder_on_a_terminal_and_answering_y_runs_nothing(hostile, tmp_path):
    status, output = run_on_a_terminal(["embed", "pairs.tsv", "-m", "hostile", "-o", "out.npy", "-q"], tmp_path)
    assert not (tmp_path / "ran").exists(), output
    assert status == 2 and "[y/N]" not in output
    errors = [line for line in output.splitlines() if "error:" in line]
    assert errors == [
        "relvec embed: error: model folder hostile: config.json has an auto_map entry (custom code: Python files in "
        "the folder define its classes); relvec never runs a model folder's code, so it refuses the folder"
    ]
    assert not (tmp_path / "out.npy").exists()


def test_search_of_an_index_naming_the_folder_loads_nothing_on_a_terminal(hostile, tiny_encoder_dir, tmp_path):
    from relvec import RelationEncoder
    from relvec.apps.index import RelationIndex

    folder = RelationIndex.build(RelationEncoder(tiny_encoder_dir, device="cpu"), [("paris", "france")]).save(
        tmp_path / "idx"
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["model"]["source"] = str(hostile)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    status, output = run_on_a_terminal(["search", "idx", "paris:france"], tmp_path)
    assert not (tmp_path / "ran").exists(), output
    assert status == 2 and f"the index was built with the model folder '{hostile}'" in output
    status, output = run_on_a_terminal(["search", "idx", "paris:france", "-m", "hostile"], tmp_path)
    assert not (tmp_path / "ran").exists(), output
    assert status == 2 and "config.json has an auto_map entry" in output and "[y/N]" not in output


@pytest.mark.parametrize("where", ["config", "tokenizer"])
def test_the_api_refuses_the_folder_before_transformers_sees_it(where, tiny_encoder_dir, tmp_path, monkeypatch):
    import transformers

    from relvec import RelationEncoder

    folder = hostile_folder(tmp_path, tmp_path / "hostile", tiny_encoder_dir, where)
    seen = []
    for loader in (transformers.AutoTokenizer, transformers.AutoModel, transformers.AutoConfig):
        monkeypatch.setattr(loader, "from_pretrained", lambda *args, **kwargs: seen.append(args))
    monkeypatch.setattr("builtins.input", lambda *prompt: "y")
    name = "config.json" if where == "config" else "tokenizer_config.json"
    with pytest.raises(RelvecError, match=f"{name} has an auto_map entry"):
        RelationEncoder(folder, device="cpu")
    assert seen == [] and not (tmp_path / "ran").exists()


def test_every_transformers_load_passes_trust_remote_code_false(tiny_encoder_dir, monkeypatch):
    """A Hub name is not checked as a folder is; transformers itself is told not to run its code."""
    import transformers

    from relvec.embedding.factory import vector_length
    from relvec.embedding.models import load_pretrained
    from relvec.embedding.options import EncoderOptions

    calls = []

    def record(name):
        def from_pretrained(source, **kwargs):
            calls.append((name, kwargs.get("trust_remote_code", "not given")))
            raise OSError("recorded, not loaded")

        return from_pretrained

    for name in ("AutoTokenizer", "AutoModel", "AutoConfig"):
        monkeypatch.setattr(getattr(transformers, name), "from_pretrained", record(name))
    with pytest.raises(RelvecError, match="recorded, not loaded"):
        load_pretrained("someone/some-model")
    with pytest.raises(RelvecError, match="recorded, not loaded"):
        vector_length("someone/some-model", EncoderOptions())
    with pytest.raises(RelvecError, match="recorded, not loaded"):
        load_pretrained(Path(tiny_encoder_dir))
    assert calls == [("AutoTokenizer", False), ("AutoConfig", False), ("AutoTokenizer", False)]
