"""Load benchmark: a real `tidemark serve` on loopback, hammered by Debian's `wrk`.

    .venv/bin/python bench/load_bench.py [--duration 60] [--workers 2] [--connections 32]
                                         [--low 8] [--compare REV]

Builds a temporary SQLite database with the real migrations and loader from data/, starts
`tidemark serve --workers N` on a free port of 127.0.0.1 (access log off), and runs wrk
(2 threads, `--latency`) for DURATION seconds per scenario:

- one date, revalidated: `GET /api/control.geojson?date=…` with the `If-None-Match` a
  browser or cache that holds the answer sends -> 304
- one date, full body: the same URL without it -> 200 with the whole GeoJSON
- rotating dates: every day of the range in turn (a Lua script), full bodies
- the page: `GET /?date=…` (full HTML)
- the panel: the same with `HX-Request: true` (the HTMX fragment a slider move fetches)
- `/healthz`

`--low N` runs the three cached-date scenarios once more at N connections. `--compare REV`
also serves git revision REV (e.g. `main`, exported with `git archive` into a temp dir, run
with this .venv) on its own port, with a database its own `tidemark load` built from its data/, and runs every scenario against it just
before the current tree's, so both are measured in one run under the same load; the
1-minute load average is printed before each scenario (other processes share the CPUs).

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
    timeouts = int(socket.group(4)) if socket else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    bad = int(non2xx.group(1)) if non2xx else 0
    errors += bad
    kinds = [f"{timeouts} timeouts" if timeouts else "", f"{bad} non-2xx/3xx" if bad else "",
             f"{errors - timeouts - bad} socket" if errors - timeouts - bad else ""]
    detail = f" ({', '.join(k for k in kinds if k)})" if errors else ""
    return {"rps": rps, "p50": p50, "p99": p99, "requests": total, "errors": errors, "detail": detail}


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


def export_revision(rev: str, into: Path) -> Path:
    """`git archive REV` unpacked into `into`, with its translations compiled and node_modules linked."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    subprocess.run([str(ROOT / ".venv/bin/pybabel"), "-q", "compile", "-d", str(into / "app/locale"),
                    "-D", "messages"], check=True)
    if (ROOT / "node_modules").is_dir():
        (into / "node_modules").symlink_to(ROOT / "node_modules")
    return into


def start_server(code: Path, db_url: str, cache_dir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "ASSETS": "local", "CACHE_DIR": str(cache_dir),
           "PYTHONPATH": str(code)}  # ahead of the editable install: `app` is imported from `code`
    server = subprocess.Popen([str(ROOT / ".venv/bin/tidemark"), "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
                              cwd=code, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                if r.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit(f"the server from {code} did not start")


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


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
    ap.add_argument("--low", type=int, default=0, help="also run the cached-date scenarios at this many connections")
    ap.add_argument("--compare", metavar="REV", help="also measure git revision REV, scenario by scenario")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="tidemark-load-"))
    servers = []
    try:
        url = build_database(tmp / "tidemark.db")
        runs = []  # (label, server, base)
        if args.compare:
            code = export_revision(args.compare, tmp / "compare")
            compare_url = f"sqlite:///{tmp / 'compare.db'}"  # built by that revision's own migrations and loader
            subprocess.run([str(ROOT / ".venv/bin/tidemark"), "load", str(code / "data")], cwd=code, check=True,
                           stdout=subprocess.DEVNULL,
                           env={**os.environ, "DATABASE_URL": compare_url, "PYTHONPATH": str(code)})
            server, base = start_server(code, compare_url, tmp / "cache-compare", args.workers)
            servers.append(server)
            runs.append((args.compare, server, base))
        server, base = start_server(ROOT, url, tmp / "cache", args.workers)
        servers.append(server)
        runs.append(("this tree" if args.compare else "", server, base))

        with urllib.request.urlopen(base + "/api/timeline.json") as r:
            import json
            days = [d["date"] for d in json.load(r)["days"]]
        day = days[-2]
        lua = tmp / "rotate.lua"
        lua.write_text(ROTATE_LUA % ", ".join(f'"{d}"' for d in days))
        geo = f"/api/control.geojson?date={day}"
        scenarios = [
            ("one date, revalidated (304)", geo, ["If-None-Match: {etag}"], None, True),
            ("one date, full body (200)", geo, [], None, True),
            (f"rotating dates ({len(days)} days, 200)", "/", [], lua, True),
            ("the page `/?date=…`", f"/?date={day}", [], None, False),
            ("the panel (`HX-Request`)", f"/?date={day}", ["HX-Request: true"], None, False),
            ("`/healthz`", "/healthz", [], None, False),
        ]
        plan = [(name, path, headers, script, args.connections) for name, path, headers, script, _ in scenarios]
        if args.low:
            plan += [(name, path, headers, script, args.low) for name, path, headers, script, cached in scenarios
                     if cached]
        print(f"wrk -t2 -d{args.duration}s --latency, tidemark serve --workers {args.workers}, "
              f"{os.cpu_count()} CPUs (shared with wrk and whatever else runs)\n")
        print("| scenario | server | connections | requests/s | p50 | p99 | errors | "
              "requests per server CPU-second | load before |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, path, headers, script, connections in plan:
            for label, srv, b in runs:
                with urllib.request.urlopen(b + geo) as r:  # each server's own ETag for the day
                    etag = r.headers["ETag"]
                hdrs = [h.format(etag=etag) for h in headers]
                load = loadavg()
                cpu = server_cpu_seconds(srv.pid)
                r = wrk(b, path, args.duration, connections, hdrs, script)
                cpu = server_cpu_seconds(srv.pid) - cpu
                per_cpu = f"{r['requests'] / cpu:,.0f}" if cpu > 0 else "–"
                print(f"| {name} | {label} | {connections} | {r['rps']:,.0f} | {r['p50']:.1f} ms | "
                      f"{r['p99']:.1f} ms | {r['errors']} of {r['requests']:,}{r['detail']} | {per_cpu} | {load} |", flush=True)
        print(f"\nload average after the run (other processes share the CPUs): {loadavg()}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
