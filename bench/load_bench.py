"""Load benchmark: a real `tidemark serve` on loopback, hammered by Debian's `wrk`.

    .venv/bin/python bench/load_bench.py [--duration 60] [--workers 2] [--connections 32]

Builds a temporary SQLite database with the real migrations and loader from data/, starts
`tidemark serve --workers N` on a free port of 127.0.0.1 (access log off), and runs wrk
(2 threads, `--latency`) for DURATION seconds per scenario:

- one date, revalidated: `GET /api/control.geojson?date=…` with the `If-None-Match` a
  browser or cache that holds the answer sends -> 304
- one date, full body: the same URL without it -> 200 with the whole GeoJSON
- rotating dates: every day of the range in turn (a Lua script), full bodies
- the page: `GET /?date=…` (full HTML)
- `/healthz`

Each request sends `Accept-Encoding: gzip`, as browsers do. Prints requests/s, p50/p99 latency,
errors (socket errors, timeouts after wrk's 2 s, non-2xx/3xx answers) and requests per CPU-second
the server processes used (from /proc: the capacity of one core, whatever else runs) as a
Markdown table. Not a test: numbers depend on the machine, and wrk shares the CPU with the server.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.liveserver import free_port  # noqa: E402

ROTATE_LUA = """
local days = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/control.geojson?date=" .. days[(i %% #days) + 1])
end
"""


def build_database(path: Path) -> str:
    from app.db import engine_for
    from app.loader import load_directory, migrate
    url = f"sqlite:///{path}"
    engine = engine_for(url)
    migrate(engine)
    load_directory(ROOT / "data", engine)
    engine.dispose()
    return url


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse(output: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = sum(int(x) for x in socket.groups()) if socket else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non2xx.group(1)) if non2xx else 0
    return {"rps": rps, "p50": p50, "p99": p99, "requests": total, "errors": errors}


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process and its workers (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def wrk(base: str, path: str, duration: int, connections: int, headers=(), script: Path | None = None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-H", "Accept-Encoding: gzip"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [base + path], capture_output=True, text=True, check=True).stdout
    return parse(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=60, help="seconds per scenario")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="tidemark-load-"))
    url = build_database(tmp / "tidemark.db")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "ASSETS": "local"}
    server = subprocess.Popen([str(ROOT / ".venv/bin/tidemark"), "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", str(args.workers), "--log-level", "warning"],
                              cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        with urllib.request.urlopen(base + "/api/timeline.json") as r:
            import json
            days = [d["date"] for d in json.load(r)["days"]]
        day = days[-2]
        with urllib.request.urlopen(f"{base}/api/control.geojson?date={day}") as r:
            etag = r.headers["ETag"]
        lua = tmp / "rotate.lua"
        lua.write_text(ROTATE_LUA % ", ".join(f'"{d}"' for d in days))
        scenarios = [
            ("one date, revalidated (304)", f"/api/control.geojson?date={day}", [f"If-None-Match: {etag}"], None),
            ("one date, full body (200)", f"/api/control.geojson?date={day}", [], None),
            (f"rotating dates ({len(days)} days, 200)", "/", [], lua),
            ("the page `/?date=…`", f"/?date={day}", [], None),
            ("`/healthz`", "/healthz", [], None),
        ]
        print(f"wrk -t2 -c{args.connections} -d{args.duration}s, tidemark serve --workers {args.workers}, "
              f"{os.cpu_count()} CPUs (shared with wrk)\n")
        print("| scenario | requests/s | p50 | p99 | errors | requests per server CPU-second |")
        print("|---|---|---|---|---|---|")
        for name, path, headers, script in scenarios:
            cpu = server_cpu_seconds(server.pid)
            r = wrk(base, path, args.duration, args.connections, headers, script)
            cpu = server_cpu_seconds(server.pid) - cpu
            per_cpu = f"{r['requests'] / cpu:,.0f}" if cpu > 0 else "–"
            print(f"| {name} | {r['rps']:,.0f} | {r['p50']:.1f} ms | {r['p99']:.1f} ms | "
                  f"{r['errors']} of {r['requests']:,} | {per_cpu} |", flush=True)
        with open("/proc/loadavg") as f:
            print(f"\nload average after the run (other processes share the CPUs): {f.read().split()[2]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
