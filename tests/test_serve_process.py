"""One real ``relvec serve`` process (uvicorn) on a free loopback port, with the tiny encoder folder."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest

from relvec.cli import main
from relvec.serve import API_KEY_ENV

READY_WITHIN_S = 120  # imports and the model load; a busy 2-core machine needs tens of seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"relvec serve exited with {process.returncode}: {process.stdout.read()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"relvec serve was not ready within {READY_WITHIN_S} s")


def test_a_real_server_answers_with_the_key_and_stops_on_sigterm(tiny_encoder_dir, tiny_encoder):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, API_KEY_ENV: "process-key", "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "relvec", "serve", "-m", str(tiny_encoder_dir), "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_ready(process, url)
        pairs = [["paris", "france"], ["cat", "animal"]]
        assert httpx.post(f"{url}/embed", json={"pairs": pairs}, timeout=30).status_code == 401
        response = httpx.post(f"{url}/embed", json={"pairs": pairs}, headers={"X-API-Key": "process-key"}, timeout=30)
        assert response.status_code == 200
        vectors = np.array(response.json()["vectors"], dtype=np.float32)
        np.testing.assert_array_equal(vectors, tiny_encoder.encode([tuple(p) for p in pairs]))
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # uvicorn finishes in-flight work, then re-raises the signal: killed by SIGTERM, after a clean shutdown.
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in output and f"127.0.0.1:{port}" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--index", "some.index"], "no such file or folder"),
        (["--port", "70000"], "--port must be a port number"),
        (["--max-pairs", "0"], "max_pairs must be a positive integer"),
    ],
)
def test_bad_options_are_one_line_errors_before_the_model_loads(tmp_path, capsys, args, message):
    # The model folder does not exist: the option must be refused first.
    assert main(["serve", "-m", str(tmp_path / "none"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("relvec serve: error: ") and message in err and "\n" not in err


def test_a_model_that_fails_to_load_stops_the_server_with_a_one_line_error(tmp_path, capsys):
    assert main(["serve", "-m", str(tmp_path / "none"), "--port", str(free_port()), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("relvec serve: error: ") and "none" in err[-1]


def test_complete_without_gensim_is_not_available(tmp_path, capsys, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gensim" else find_spec(name, *a))
    assert main(["serve", "-m", str(tmp_path / "none"), "--complete"]) == 2
    assert "--complete: analogy completion is not available" in capsys.readouterr().err
