"""Load and fault test of ``relvec serve``: a real uvicorn process on loopback, concurrent httpx clients.

    flock /tmp/relvec-cpu.lock python bench/serve_load.py -m all-MiniLM-L6-v2    # needs $RELVEC_DATA

In one run:

1. the offline baseline: ``RelationEncoder.encode`` on the first ``--offline-pairs`` of the same distinct
   pairs in one call, in this process (best of ``--repeats``), before the servers run and again after them
   (this machine is shared and its speed drifts; the higher of the two rates is the baseline);
2. a server with batching on, then one with batching off (``--no-batching``), each loaded with: single-pair
   requests at 1, 8 and 64 concurrent clients, and 64-pair requests at 8 clients. Every request holds
   pairs no other request holds (the encoder would otherwise encode a repeated pair once and flatter the
   rate). Reported: pairs/s, latency p50/p95/p99, errors (non-200 answers and failed connections);
3. the fault: one request is sent alone and its vectors kept; the server is killed (SIGKILL) in the middle
   of a 64-client load, restarted, and the same request sent alone again must give the same vectors.

Bounded: every load stops after ``--requests`` requests or ``--seconds`` seconds, whichever comes first;
the server binds 127.0.0.1 only. The clients check each answer's status and do not parse the vectors, so
that the load generator takes as little as it can of the CPU the server shares with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx
import numpy as np
import torch
from limits import timed
from throughput import distinct_pairs

from relvec import RelationEncoder

READY_WITHIN_S = 180


@dataclass
class Load:
    name: str
    pairs_per_request: int
    clients: int


LOADS = [Load("single pair, 1 client", 1, 1), Load("single pair, 8 clients", 1, 8)]
LOADS += [Load("single pair, 64 clients", 1, 64), Load("64 pairs, 8 clients", 64, 8)]


@dataclass
class Result:
    pairs: int
    seconds: float
    latencies: list[float]
    errors: int

    def row(self, name: str) -> str:
        p50, p95, p99 = np.percentile(self.latencies, [50, 95, 99]) * 1000 if self.latencies else (0, 0, 0)
        rate = self.pairs / self.seconds
        return f"{name:<34}{len(self.latencies):>9}{rate:>9.0f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{self.errors:>8}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One ``relvec serve`` process on 127.0.0.1."""

    def __init__(self, model: str, threads: int, extra: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "relvec", "serve", "-m", model, "--port", str(self.port)]
        self.command += ["--threads", str(threads), "-q", *extra]
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"relvec serve exited: {self.process.stderr.read()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.kill()
        raise SystemExit(f"relvec serve was not ready within {READY_WITHIN_S} s")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


async def load(
    url: str, requests: list[list[tuple[str, str]]], clients: int, seconds: float, latencies: list[float] | None = None
) -> Result:
    """``clients`` concurrent clients send ``requests`` (each once) until all are sent or time is up.
    ``latencies``: a list to fill as answers come (to watch a load from outside)."""
    pending = iter(requests)
    latencies = [] if latencies is None else latencies
    errors = sent_pairs = 0
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def one_client() -> None:
            nonlocal errors, sent_pairs
            for pairs in pending:  # the iterator is shared: each request goes out once
                if time.perf_counter() > stop_at:
                    return
                started = time.perf_counter()
                try:
                    response = await client.post("/embed", json={"pairs": pairs})
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - started)
                    sent_pairs += len(pairs)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        return Result(sent_pairs, time.perf_counter() - started, latencies, errors)


def requests_for(pairs: list[tuple[str, str]], size: int, count: int) -> list[list[tuple[str, str]]]:
    return [pairs[start : start + size] for start in range(0, min(len(pairs), size * count), size)]


def embed_alone(url: str, pairs: list[tuple[str, str]]) -> np.ndarray:
    response = httpx.post(f"{url}/embed", json={"pairs": pairs}, timeout=60)
    response.raise_for_status()
    return np.array(response.json()["vectors"], dtype=np.float32)


def cpu_name() -> str:
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return "unknown CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-m", "--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--threads", type=int, default=2, help="torch threads, here and in the server")
    parser.add_argument("--requests", type=int, default=2000, help="single-pair requests per load at most")
    parser.add_argument("--big-requests", type=int, default=64, help="64-pair requests per load at most")
    parser.add_argument("--seconds", type=float, default=20, help="longest time one load may take")
    parser.add_argument("--offline-pairs", type=int, default=500, help="pairs in the offline baseline")
    parser.add_argument("--repeats", type=int, default=3, help="offline runs, best taken")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    pairs = distinct_pairs(max(args.requests, 64 * args.big_requests), args.data_dir)
    singles = requests_for(pairs, 1, args.requests)
    bigs = requests_for(pairs, 64, args.big_requests)
    offline_pairs = [request[0] for request in singles[: args.offline_pairs]]

    encoder = RelationEncoder(args.model, device="cpu")
    encoder.encode(offline_pairs[:256])  # warm-up

    def offline_rate() -> float:
        return len(offline_pairs) / min(timed(lambda: encoder.encode(offline_pairs)) for _ in range(args.repeats))

    # Before and after the loads: this machine is shared, so its speed drifts; the higher rate is the baseline.
    offline_before = offline_rate()

    warm = requests_for(pairs[::-1], 1, 64)  # the other end of the list: not the measured pairs
    results: dict[str, dict[str, Result]] = {}
    for mode, extra in (("batching on", []), ("batching off", ["--no-batching"])):
        server = Server(args.model, args.threads, extra).start()
        try:
            asyncio.run(load(server.url, warm, 8, args.seconds))
            results[mode] = {}
            for spec in LOADS:
                requests = singles if spec.pairs_per_request == 1 else bigs
                results[mode][spec.name] = asyncio.run(load(server.url, requests, spec.clients, args.seconds))
        finally:
            server.stop()

    offline_after = offline_rate()
    offline = max(offline_before, offline_after)

    # The fault: SIGKILL under load, restart, the same request alone gives the same vectors.
    probe = pairs[:5]
    server = Server(args.model, args.threads, []).start()
    before = embed_alone(server.url, probe)

    async def load_then_kill() -> Result:
        answered: list[float] = []
        running = asyncio.ensure_future(load(server.url, singles, 64, args.seconds, answered))
        started = time.perf_counter()
        while len(answered) < 64 and time.perf_counter() - started < args.seconds / 2:
            await asyncio.sleep(0.05)
        server.kill(signal.SIGKILL)  # mid-load: 64 requests in flight
        return await running

    killed = asyncio.run(load_then_kill())
    server.start()
    try:
        after = embed_alone(server.url, probe)
    finally:
        server.stop()

    print(f"relvec serve load test: {args.model}, fp32, {args.threads} torch threads, CPU {cpu_name()}, ")
    print(f"torch {torch.__version__}, {os.cpu_count()} cores shared by the server and the clients (loopback)")
    print(
        f"offline encode, {len(offline_pairs)} distinct pairs in one call, best of {args.repeats}: "
        f"{offline_before:.0f} pairs/s before the loads, {offline_after:.0f} after; baseline {offline:.0f}"
    )
    header = f"{'load':<34}{'requests':>9}{'pairs/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    for mode, rows in results.items():
        print(f"\n{mode}\n{header}")
        for name, result in rows.items():
            print(result.row(name))
    print()
    for mode, rows in results.items():
        share = rows["single pair, 64 clients"].pairs / rows["single pair, 64 clients"].seconds / offline
        print(f"{mode}: single pair at 64 clients = {share:.2f} of offline encode (target >= 0.70 with batching)")
    errors = sum(result.errors for rows in results.values() for result in rows.values())
    print(f"errors in all loads: {errors} (target 0)")
    print(
        f"kill test: {len(killed.latencies)} requests answered before the SIGKILL, {killed.errors} failed after it; "
        f"after restart the same request gives {'the same' if np.array_equal(before, after) else 'DIFFERENT'} "
        f"vectors (max abs difference {float(np.max(np.abs(before - after))):.3g})"
    )
    return 0 if errors == 0 and np.array_equal(before, after) else 1


if __name__ == "__main__":
    sys.exit(main())
