"""Load and fault test of ``relvec serve``: a real uvicorn process on loopback, loaded by wrk (or httpx).

    flock /tmp/relvec-cpu.lock python bench/serve_load.py -m all-MiniLM-L6-v2    # needs $RELVEC_DATA

In one run:

1. the offline baseline: ``RelationEncoder.encode`` on the first ``--offline-pairs`` of the same distinct
   pairs in one call, in this process, before and after every round (the best rate is the baseline);
2. two servers, batching on and batching off (``--no-batching``), each loaded in turn with: single-pair
   requests at 1, 8 and 64 concurrent clients, and 64-pair requests at 8 clients. Within a load every
   request holds pairs no other request holds (the encoder would otherwise encode a repeated pair once and
   flatter the rate). Loads and baseline are interleaved over ``--rounds`` rounds and the best of each kept,
   because a shared machine's speed drifts. Reported: pairs/s, latency p50/p95/p99, errors (non-200
   answers and failed connections; the most of any round), and the CPU time the server process and the
   load generator spent per pair, which other work on the machine does not inflate;
3. the fault: one request is sent alone and its vectors kept; the server is killed (SIGKILL) in the middle
   of a 64-client load, restarted, and the same request sent alone again must give the same vectors.

Bounded: every load stops after ``--requests`` requests or ``--seconds`` seconds, whichever comes first;
the server binds 127.0.0.1 only. The load generator is ``wrk`` (Debian's package, installed with apt-get
when missing; the bench exits non-zero when it cannot be), one thread, its POST bodies from a Lua table so
that each request goes out once; it takes microseconds of CPU per request, where ``--client httpx`` (clients
in this process) takes milliseconds of the CPU the server shares with it. Neither parses the vectors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import httpx
import numpy as np
import torch
from limits import timed
from throughput import distinct_pairs

from relvec import RelationEncoder
from relvec.embedding.precision import cpu_name

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
    server_cpu: float = 0.0  # seconds of CPU, all the server's threads
    client_cpu: float = 0.0  # seconds of CPU of the load generator
    percentiles: tuple[float, float, float] | None = None  # p50, p95, p99 in s, where only these are known

    pairs_per_request: int = 1

    @property
    def answered(self) -> int:
        return len(self.latencies) if self.percentiles is None else self.pairs // self.pairs_per_request

    @property
    def rate(self) -> float:
        return self.pairs / self.seconds

    def row(self, name: str) -> str:
        if self.percentiles is not None:
            p50, p95, p99 = (1000 * value for value in self.percentiles)
        else:
            p50, p95, p99 = np.percentile(self.latencies, [50, 95, 99]) * 1000 if self.latencies else (0, 0, 0)
        cpu = [1000 * seconds / max(self.pairs, 1) for seconds in (self.server_cpu, self.client_cpu)]
        line = f"{name:<34}{self.answered:>9}{self.rate:>9.0f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{self.errors:>8}"
        return line + f"{cpu[0]:>12.1f}{cpu[1]:>12.1f}"


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


WRK_SCRIPT = r"""
-- Each body goes out once across wrk's threads: thread i sends bodies i, i+T, i+2T, ... and stops after its
-- last answer; the summary line is JSON for the bench to read.
local bodies = dofile(BODIES)
local threads, made = {}, 0
function setup(thread)
  made = made + 1
  thread:set("first", made)
  table.insert(threads, thread)
end
function init(args)
  step = tonumber(args[1]); nxt = first; answered = 0
  mine = math.floor((#bodies - first) / step) + 1
end
function request()
  local body = bodies[nxt] or bodies[((nxt - 1) % #bodies) + 1]
  nxt = nxt + step
  return wrk.format("POST", "/embed", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  answered = answered + 1
  if answered >= mine then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nRELVEC {"requests": %d, "duration_us": %d, "errors": %d, "p50": %d, "p95": %d, "p99": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def ensure_wrk() -> str:
    """wrk's path, installed from Debian's packages when missing; exits non-zero when it cannot be."""
    found = shutil.which("wrk")
    if found is None and shutil.which("apt-get") is not None:
        prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
        print("wrk missing: installing it with apt-get (Debian's package)", file=sys.stderr)
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            subprocess.run(prefix + command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is missing and could not be installed (apt-get install wrk); or pass --client httpx")
    return found


def wrk_load(wrk: str, url: str, requests: list[list[tuple[str, str]]], clients: int, seconds: float) -> Result:
    """``clients`` connections of one wrk thread send ``requests`` (each once) until all are answered or time
    is up; the CPU wrk spent is its own (a child process), not this one's."""
    threads = 1
    with tempfile.TemporaryDirectory() as folder:
        bodies = os.path.join(folder, "bodies.lua")
        with open(bodies, "w") as out:
            out.write("return {\n")
            for pairs in requests:
                out.write(_lua_string(json.dumps({"pairs": pairs})) + ",\n")
            out.write("}\n")
        script = os.path.join(folder, "load.lua")
        with open(script, "w") as out:
            out.write(f"BODIES = {_lua_string(bodies)}\n" + WRK_SCRIPT)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        command = [wrk, "-t", str(threads), "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "60s"]
        command += ["-s", script, url, "--", str(threads)]
        finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = [row for row in finished.stdout.splitlines() if row.startswith("RELVEC ")]
    if finished.returncode != 0 or not line:
        raise SystemExit(f"wrk failed ({finished.returncode}): {finished.stderr.strip() or finished.stdout[-500:]}")
    summary = json.loads(line[-1][len("RELVEC ") :])
    answered = summary["requests"] - summary["errors"]
    size = len(requests[0])
    percentiles = tuple(summary[key] / 1e6 for key in ("p50", "p95", "p99"))
    result = Result(answered * size, summary["duration_us"] / 1e6, [], summary["errors"], percentiles=percentiles)
    result.pairs_per_request = size
    result.client_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def requests_for(pairs: list[tuple[str, str]], size: int, count: int) -> list[list[tuple[str, str]]]:
    return [pairs[start : start + size] for start in range(0, min(len(pairs), size * count), size)]


def embed_alone(url: str, pairs: list[tuple[str, str]]) -> np.ndarray:
    response = httpx.post(f"{url}/embed", json={"pairs": pairs}, timeout=60)
    response.raise_for_status()
    return np.array(response.json()["vectors"], dtype=np.float32)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(
    server: Server, requests: list[list[tuple[str, str]]], clients: int, seconds: float, wrk: str | None
) -> Result:
    """One load (by wrk, or by httpx clients in this process without it), with the CPU time the server and
    the load generator spent on it."""
    server_cpu = process_cpu_seconds(server.process.pid)
    if wrk is not None:
        result = wrk_load(wrk, server.url, requests, clients, seconds)
    else:
        client_cpu = time.process_time()
        result = asyncio.run(load(server.url, requests, clients, seconds))
        result.client_cpu = time.process_time() - client_cpu
    result.server_cpu = process_cpu_seconds(server.process.pid) - server_cpu
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-m", "--model", default="all-MiniLM-L6-v2")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads in the server (default 1: the event loop and the load generator need the other core)",
    )
    parser.add_argument("--requests", type=int, default=2000, help="single-pair requests per load at most")
    parser.add_argument("--big-requests", type=int, default=64, help="64-pair requests per load at most")
    parser.add_argument("--seconds", type=float, default=15, help="longest time one load may take")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of every load; best kept")
    parser.add_argument("--offline-pairs", type=int, default=500, help="pairs in the offline baseline")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument(
        "--client",
        choices=("wrk", "httpx"),
        default="wrk",
        help="load generator: wrk (Debian's, installed when missing; a few microseconds of CPU a request) or "
        "httpx clients in this process (milliseconds a request, on the cores the server needs)",
    )
    parser.add_argument("--server-option", action="append", default=[], help="an extra relvec serve option")
    args = parser.parse_args()
    wrk = ensure_wrk() if args.client == "wrk" else None

    pairs = distinct_pairs(max(args.requests, 64 * args.big_requests), args.data_dir)
    singles = requests_for(pairs, 1, args.requests)
    bigs = requests_for(pairs, 64, args.big_requests)
    offline_pairs = [request[0] for request in singles[: args.offline_pairs]]

    encoder = RelationEncoder(args.model, device="cpu")
    encoder.encode(offline_pairs[:256])  # warm-up
    offline_threads = sorted({1, 2, args.threads})
    offline_rates: dict[int, list[float]] = {threads: [] for threads in offline_threads}
    offline_cpu: dict[int, list[float]] = {threads: [] for threads in offline_threads}

    def measure_offline() -> None:
        # At 1 and 2 threads, the baseline is the faster: on a busy 2-core machine, 2 threads wait on each
        # other at every operator and 1 thread is faster even offline.
        for threads in offline_threads:
            torch.set_num_threads(threads)
            cpu = time.process_time()
            offline_rates[threads].append(len(offline_pairs) / timed(lambda: encoder.encode(offline_pairs)))
            offline_cpu[threads].append((time.process_time() - cpu) / len(offline_pairs))

    # Both servers stay up; the loads and the offline baseline are interleaved over rounds and the best of
    # each kept, because this machine is shared and its speed drifts from minute to minute.
    servers = {
        "batching on": Server(args.model, args.threads, args.server_option),
        "batching off": Server(args.model, args.threads, [*args.server_option, "--no-batching"]),
    }
    best: dict[str, dict[str, Result]] = {mode: {} for mode in servers}
    try:
        for server in servers.values():
            server.start()
            asyncio.run(load(server.url, requests_for(pairs[::-1], 1, 64), 8, args.seconds))  # warm-up
        for _ in range(args.rounds):
            measure_offline()
            for spec in LOADS:
                for mode, server in servers.items():
                    requests = singles if spec.pairs_per_request == 1 else bigs
                    result = measured(server, requests, spec.clients, args.seconds, wrk)
                    kept = best[mode].get(spec.name)
                    if kept is None or result.rate > kept.rate:
                        best[mode][spec.name] = result
                    best[mode][spec.name].errors = max(result.errors, kept.errors if kept else 0)
            measure_offline()
    finally:
        servers["batching off"].stop()

    # The fault: SIGKILL under load, restart, the same request alone gives the same vectors.
    server = servers["batching on"]
    probe = pairs[:5]
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

    offline = max(max(rates) for rates in offline_rates.values())
    print(
        f"relvec serve load test: {args.model}, {encoder.precision}, load by {args.client}, server with "
        f"{args.threads} torch threads, CPU {cpu_name()},"
    )
    print(f"torch {torch.__version__}, {os.cpu_count()} cores shared by the server, the clients and other work")
    print("load average (1, 5, 15 min) at the end: " + " ".join(f"{load:.1f}" for load in os.getloadavg()))
    for threads in offline_threads:
        print(
            f"offline encode, {len(offline_pairs)} distinct pairs in one call, {threads} threads: "
            + ", ".join(f"{rate:.0f}" for rate in offline_rates[threads])
            + f" pairs/s over the rounds; CPU {1000 * min(offline_cpu[threads]):.1f} ms per pair at best"
        )
    print(f"offline baseline (the best of these): {offline:.0f} pairs/s")
    print(f"every load: best of {args.rounds} interleaved rounds, at most {args.seconds:.0f} s each")
    header = f"{'load':<34}{'requests':>9}{'pairs/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    header += f"{'server CPU':>12}{'client CPU':>12}"
    for mode, rows in best.items():
        print(f"\n{mode} (CPU: ms per pair)\n{header}")
        for name, result in rows.items():
            print(result.row(name))
    print()
    for mode, rows in best.items():
        share = rows["single pair, 64 clients"].rate / offline
        print(f"{mode}: single pair at 64 clients = {share:.2f} of offline encode (target >= 0.70 with batching)")
    cpu_offline = min(offline_cpu[args.threads])
    for mode, rows in best.items():
        result = rows["single pair, 64 clients"]
        ratio = result.server_cpu / max(result.pairs, 1) / cpu_offline
        print(
            f"{mode}: server CPU per pair at 64 single-pair clients = {ratio:.2f}x offline CPU per pair at "
            f"{args.threads} thread(s) (target <= 1.25 with batching)"
        )
    errors = sum(result.errors for rows in best.values() for result in rows.values())
    print(f"errors in all loads: {errors} (target 0)")
    print(
        f"kill test: {len(killed.latencies)} requests answered before the SIGKILL, {killed.errors} failed after it; "
        f"after restart the same request gives {'the same' if np.array_equal(before, after) else 'DIFFERENT'} "
        f"vectors (max abs difference {float(np.max(np.abs(before - after))):.3g})"
    )
    return 0 if errors == 0 and np.array_equal(before, after) else 1


if __name__ == "__main__":
    sys.exit(main())
