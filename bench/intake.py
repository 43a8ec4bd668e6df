"""bench/intake: acknowledgement latency and throughput of `reviewbot serve` against a floor.

Sends N signed ~28 KB `pull_request` deliveries over loopback at fixed concurrency to
(1) a bare Starlette endpoint that only answers 202 and (2) `reviewbot serve --workers 0`
(one uvicorn process, SQLite), in the same run, and counts what reached the database.

    python -m bench.intake [--requests 3000] [--concurrency 8] [--client httpx|raw]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

from bot.web.replay import github_headers

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = ROOT / "fixtures" / "webhooks" / "pull_request.opened" / "payload.json"
SECRET = "bench-secret"


@dataclass
class Result:
    name: str
    sent: int
    ok: int
    seconds: float
    latencies: list[float]

    def pct(self, p: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(p / 100 * len(data)))] * 1000

    @property
    def rate(self) -> float:
        return self.sent / self.seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early with {proc.returncode}")
        try:
            httpx.post(url, content=b"{}", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not come up")


async def load_httpx(url: str, body: bytes, n: int, concurrency: int, tag: str) -> Result:
    """The reference client: httpx with keep-alive, a realistic HTTP client's cost."""
    key = SECRET.encode()
    latencies: list[float] = []
    ok = 0
    next_i = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def one_worker() -> None:
            nonlocal ok, next_i
            while next_i < n:
                i = next_i
                next_i += 1
                headers = github_headers(key, body, "pull_request", f"{tag}-{i}-{uuid.uuid4()}")
                t0 = time.perf_counter()
                r = await client.post(url, content=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                ok += r.status_code == 202

        start = time.perf_counter()
        await asyncio.gather(*(one_worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    return Result(tag, n, ok, seconds, latencies)


async def load_raw(url: str, body: bytes, n: int, concurrency: int, tag: str) -> Result:
    """A lean keep-alive HTTP/1.1 client on raw asyncio streams: the load generator shares
    the machine with the server, so it must cost as little CPU as possible (httpx cost
    several times more per request and became the bottleneck)."""
    parsed = httpx.URL(url)
    key = SECRET.encode()
    signature = github_headers(key, body, "pull_request", "x")["X-Hub-Signature-256"]
    head = (f"POST {parsed.raw_path.decode()} HTTP/1.1\r\nHost: {parsed.host}:{parsed.port}\r\n"
            f"Content-Type: application/json\r\nUser-Agent: GitHub-Hookshot/bench\r\n"
            f"X-GitHub-Event: pull_request\r\nX-Hub-Signature-256: {signature}\r\n"
            f"Content-Length: {len(body)}\r\n").encode()
    latencies: list[float] = []
    ok = 0
    next_i = 0

    async def one_connection() -> None:
        nonlocal ok, next_i
        reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
        try:
            while next_i < n:
                i = next_i
                next_i += 1
                delivery = f"X-GitHub-Delivery: {tag}-{i}-{uuid.uuid4()}\r\n\r\n".encode()
                t0 = time.perf_counter()
                writer.write(head + delivery + body)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                ok += status_line.split(b" ", 2)[1] == b"202"
        finally:
            writer.close()
            await writer.wait_closed()

    start = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(concurrency)))
    return Result(tag, n, ok, time.perf_counter() - start, latencies)


LOADERS = {"httpx": load_httpx, "raw": load_raw}


def run_server(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=ROOT)


OPS_PASSWORD = "bench-ops-password"


def refresh_ops(url: str, stop: threading.Event, every: float, seen: list[int]) -> None:
    """The operator's page opened every `every` seconds while the load runs."""
    with httpx.Client(auth=("ops", OPS_PASSWORD), timeout=30) as client:
        while not stop.wait(every):
            seen.append(client.get(url).status_code)


def measure(cmd: list[str], env: dict[str, str], db_url: str | None, body: bytes,
            args: argparse.Namespace, ops_every: float | None = None) -> dict[str, float]:
    port = free_port()
    proc = run_server([*cmd, str(port)], env)
    url = f"http://127.0.0.1:{port}/api/github/webhooks"
    tag = f"run{uuid.uuid4().hex[:8]}"
    stop, seen = threading.Event(), []
    try:
        wait_up(url, proc)
        load = LOADERS[args.client]
        asyncio.run(load(url, body, args.warmup, args.concurrency, "warmup"))
        if ops_every is not None:
            threading.Thread(target=refresh_ops, daemon=True, args=(
                f"http://127.0.0.1:{port}/ops", stop, ops_every, seen)).start()
        result = asyncio.run(load(url, body, args.requests, args.concurrency, tag))
    finally:
        stop.set()
        proc.terminate()
        proc.wait(30)
    if ops_every is not None and (not seen or set(seen) != {200}):
        raise SystemExit(f"the operator's page did not answer 200 while loaded: {seen[:10]}")
    row = {"p50_ms": result.pct(50), "p99_ms": result.pct(99), "per_s": result.rate,
           "acked": float(result.ok), "sent": float(result.sent),
           "page_loads": float(len(seen))}
    if db_url is not None:
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:
            row["stored"] = float(conn.execute(sa.text(
                "SELECT count(*) FROM deliveries WHERE delivery_id LIKE :t"),
                {"t": f"{tag}-%"}).scalar_one())
            row["jobs"] = float(conn.execute(sa.text(
                "SELECT count(*) FROM jobs WHERE delivery_id LIKE :t"),
                {"t": f"{tag}-%"}).scalar_one())
        engine.dispose()
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--client", choices=sorted(LOADERS), default="httpx",
                        help="httpx (reference) or raw (a lean client that shows the ceiling)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="interleaved rounds; the table shows each metric's median")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--ops", action="store_true",
                        help="serve with and without /ops opened every second, side by side")
    args = parser.parse_args()
    if args.ops:
        ops_main(args)
        return

    body = PAYLOAD.read_bytes()  # as stored: the realistic ~28 KB delivery
    tmp = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    bin_dir = Path(sys.executable).parent
    base_env = {**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET, "REVIEWBOT_LOG_LEVEL": "INFO",
                "PYTHONPATH": str(ROOT)}
    targets: list[tuple[str, list[str], dict[str, str], str | None]] = [
        ("floor: bare Starlette answering 202",
         [str(bin_dir / "uvicorn"), "bench.floor_app:app", "--no-access-log",
          "--log-level", "warning", "--port"], base_env, None),
    ]
    for sync in ("NORMAL", "FULL"):
        db_url = f"sqlite:///{tmp / f'reviewbot-{sync}.db'}"
        targets.append((f"reviewbot serve, SQLite synchronous={sync}",
                        [str(bin_dir / "reviewbot"), "serve", "--workers", "0", "--port"],
                        {**base_env, "DATABASE_URL": db_url,
                         "REVIEWBOT_SQLITE_SYNCHRONOUS": sync}, db_url))

    per_target: dict[str, list[dict[str, float]]] = {name: [] for name, *_ in targets}
    lost_any = False
    for _ in range(args.rounds):
        for name, cmd, env, db_url in targets:
            row = measure(cmd, env, db_url, body, args)
            lost_any |= db_url is not None and not (row["stored"] == row["acked"] == row["sent"])
            per_target[name].append(row)
    rows = [{"name": name, **{key: statistics.median(r[key] for r in runs) for key in runs[0]},
             "stored_total": sum(r.get("stored", 0) for r in runs),
             "sent_total": sum(r["sent"] for r in runs)}
            for name, runs in per_target.items()]

    floor = rows[0]
    print(f"client {args.client}; payload {len(body)} bytes, {args.requests} deliveries, "
          f"concurrency {args.concurrency}, after {args.warmup} warm-up deliveries\n")
    print("| endpoint | p50 ms | p99 ms | p99 / floor p99 | deliveries/s | stored / sent | jobs |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        stored = f"{r['stored_total']:.0f} / {r['sent_total']:.0f}" if "stored" in r else "-"
        jobs = f"{r['jobs']:.0f}" if "jobs" in r else "-"
        print(f"| {r['name']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
              f"{r['p99_ms'] / floor['p99_ms']:.2f} | {r['per_s']:.0f} | {stored} | {jobs} |")
    print(f"\n(median of {args.rounds} interleaved rounds; stored / sent summed over rounds)")
    print("\ntargets: p99 <= 3x the floor's p99 and <= 25 ms; >= 300 deliveries/s; zero lost")
    if args.json:
        args.json.write_text(json.dumps({"requests": args.requests,
                                         "concurrency": args.concurrency, "rows": rows},
                                        indent=2))
    if lost_any:
        raise SystemExit("deliveries were lost")


def ops_main(args: argparse.Namespace) -> None:
    """Acknowledgement latency of `serve` (SQLite), alone and with the operator's page
    refreshed every second during the load, in interleaved rounds of one run."""
    body = PAYLOAD.read_bytes()
    tmp = Path(tempfile.mkdtemp(prefix="bench-intake-ops-"))
    db_url = f"sqlite:///{tmp / 'reviewbot.db'}"
    env = {**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET, "REVIEWBOT_LOG_LEVEL": "INFO",
           "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url,
           "REVIEWBOT_OPS_PASSWORD": OPS_PASSWORD}
    cmd = [str(Path(sys.executable).parent / "reviewbot"), "serve", "--workers", "0", "--port"]
    runs: dict[str, list[dict[str, float]]] = {"serve": [], "serve, /ops every 1 s": []}
    for _ in range(args.rounds):
        runs["serve"].append(measure(cmd, env, db_url, body, args))
        runs["serve, /ops every 1 s"].append(measure(cmd, env, db_url, body, args, 1.0))
    print(f"{args.requests} deliveries a round, concurrency {args.concurrency}, "
          f"median of {args.rounds} interleaved rounds\n")
    print("| target | p50 ms | p99 ms | deliveries/s | page loads | stored / sent |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rows in runs.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(f"| {name} | {med['p50_ms']:.2f} | {med['p99_ms']:.2f} | {med['per_s']:.0f} | "
              f"{sum(r['page_loads'] for r in rows):.0f} | "
              f"{sum(r['stored'] for r in rows):.0f} / {sum(r['sent'] for r in rows):.0f} |")


if __name__ == "__main__":
    main()
