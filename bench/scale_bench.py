"""Benchmark at scale: the real CLI and server against Datasette and a static file.

    .venv/bin/python bench/scale_bench.py [--places 5000] [--events 100000] [--articles 1000]
                                          [--dates 30] [--datasette /tmp/dsvenv/bin/datasette]

1. writes a synthetic conflict in the data/ format (bench/synthetic.py);
2. loads it with `tidemark load` (wall time, CPU time and peak RSS of that process);
3. serves it with `tidemark serve`, and the same database, plus an index on (place, date),
   with Datasette (installed in its own virtualenv, never a project dependency: by default
   the bench creates /tmp/tidemark-bench-venv and pip-installs datasette 0.65 there);
4. for random dates, interleaved, asks each the same question: Tidemark's
   /api/control.geojson?date=D, Datasette's as-of SQL (each place's latest control event
   up to D, else its baseline), and the very bytes Tidemark sent, as a static file
   (python -m http.server); first pass cold (Tidemark builds and caches each day), then warm;
5. times the pages and lists at that scale, and reads the server's RSS at the end.

Not a test: numbers depend on the machine and its load (the load average is printed).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from synthetic import DAYS, START, write_dataset  # noqa: E402

BIN = ROOT / ".venv" / "bin"
AS_OF_SQL = """
select p.id, p.name, p.lat, p.lon,
  coalesce((select e.control from event e
            where e.place_id = p.id and e.date <= :date and e.control is not null
              and e.status = 'accepted'
            order by e.date desc, e.id desc limit 1),
           (select b.side from baselineentry b where b.place_id = p.id)) as control
from place p order by p.id
""".strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if c.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing answers on port {port}")


def get(conn: http.client.HTTPConnection, path: str, headers: dict | None = None) -> tuple[float, int, bytes, object]:
    t = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": "gzip", **(headers or {})})
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t) * 1000
    if r.status >= 400:
        raise RuntimeError(f"{path}: HTTP {r.status} {body[:200]!r}")
    return ms, r.status, body, r.headers


def datasette_bin(given: str | None) -> Path:
    if given:
        return Path(given)
    venv = Path(tempfile.gettempdir()) / "tidemark-bench-venv"
    exe = venv / "bin" / "datasette"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "datasette==0.65.*"], check=True)
    return exe


def load(data: Path, db: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    t = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "tidemark"), "load", str(data)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out = proc.stdout.read().decode()
    if status != 0:
        raise RuntimeError(f"load failed: {out}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "report": out.strip()}


def rss_mb(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def med(xs: list[float]) -> str:
    return f"{statistics.median(xs):.1f} ms (p90 {sorted(xs)[int(len(xs) * 0.9) - 1]:.1f})" if xs else "-"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--places", type=int, default=5000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--dates", type=int, default=30)
    ap.add_argument("--datasette", default=None, help="path of a datasette executable")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tidemark-scale-"))
    procs: list[subprocess.Popen] = []
    try:
        print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
        write_dataset(tmp / "data", args.places, args.events, args.articles)
        db = tmp / "tidemark.db"
        loaded = load(tmp / "data", db)
        print(f"tidemark load: {loaded['wall_s']:.1f} s wall, {loaded['cpu_s']:.1f} s CPU, "
              f"{loaded['rss_mb']:.0f} MB peak RSS  ({loaded['report']})")

        # Datasette's copy: the same tables, plus the index its as-of query needs.
        ds_db = tmp / "peer.db"
        src = sqlite3.connect(db)
        src.execute("PRAGMA wal_checkpoint(FULL)")
        dst = sqlite3.connect(ds_db)
        src.backup(dst)
        src.close()
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.execute("create index if not exists ix_event_place_date on event (place_id, date)")
        dst.execute("analyze")
        dst.commit()
        dst.close()

        port, ds_port, static_port = free_port(), free_port(), free_port()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "CACHE_DIR": str(tmp / "cache"),
               "TILE_URL": "none"}
        server = subprocess.Popen([str(BIN / "tidemark"), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(server)
        datasette = subprocess.Popen(
            [str(datasette_bin(args.datasette)), "serve", "--immutable", str(ds_db), "--port", str(ds_port),
             "--setting", "max_returned_rows", str(max(1000, args.places)),
             "--setting", "sql_time_limit_ms", "60000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(datasette)
        (tmp / "static").mkdir()
        static = subprocess.Popen([sys.executable, "-m", "http.server", str(static_port), "--bind", "127.0.0.1",
                                   "--directory", str(tmp / "static")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(static)
        wait_http(port, "/healthz")
        wait_http(ds_port, "/-/versions.json")
        wait_http(static_port, "/")

        rng = random.Random(11)
        dates = [(START + timedelta(days=rng.randrange(DAYS))).isoformat() for _ in range(args.dates)]
        ours = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        peer = http.client.HTTPConnection("127.0.0.1", ds_port, timeout=600)
        stat = http.client.HTTPConnection("127.0.0.1", static_port, timeout=600)
        db_name = ds_db.stem
        cold, warm, ds_ms, static_ms = [], [], [], []
        sizes = {"ours": [], "peer": [], "features": [], "peer_rows": []}
        for d in dates:  # cold pass: Tidemark builds each day once
            ms, _, body, headers = get(ours, f"/api/control.geojson?date={d}")
            cold.append(ms)
        for _round in range(2):  # warm passes, interleaved on the same dates
            for d in dates:
                ms, _, body, headers = get(ours, f"/api/control.geojson?date={d}")
                warm.append(ms)
                sizes["ours"].append(len(body))
                ms, _, pbody, _ = get(peer, f"/{db_name}.json?" + urlencode(
                    {"sql": AS_OF_SQL, "date": d, "_shape": "array"}))
                ds_ms.append(ms)
                sizes["peer"].append(len(pbody))
                # the very bytes just sent (a large day's first gzip is redone at level 6 in the
                # background after it, so the cold answer's bytes may differ: same JSON)
                (tmp / "static" / f"{d}.geojson.gz").write_bytes(body)
                ms, _, sbody, _ = get(stat, f"/{d}.geojson.gz")
                assert sbody == body
                static_ms.append(ms)
        last = json.loads(__import__("gzip").decompress(body)) if headers.get("Content-Encoding") == "gzip" else json.loads(body)
        rows = json.loads(pbody)
        print(f"\n/api/control.geojson?date= over {len(dates)} random dates ({len(last['features'])} features; "
              f"Datasette {len(rows)} rows)")
        print(f"  tidemark cold (first request of a day): {med(cold)}")
        print(f"  tidemark warm:  {med(warm)}, {statistics.median(sizes['ours']) / 1e6:.2f} MB on the wire (gzip)")
        print(f"  datasette 0.65: {med(ds_ms)}, {statistics.median(sizes['peer']) / 1e6:.2f} MB")
        print(f"  static file (python -m http.server, same bytes): {med(static_ms)}")
        print(f"  ratio datasette / tidemark warm: {statistics.median(ds_ms) / statistics.median(warm):.1f}x; "
              f"tidemark warm / static: {statistics.median(warm) / statistics.median(static_ms):.2f}x")

        def timed(path: str, headers: dict | None = None, n: int = 5) -> tuple[str, int]:
            times, size = [], 0
            for _ in range(n):
                ms, _, b, _ = get(ours, path, headers)
                times.append(ms)
                size = len(b)
            return med(times), size

        shown = set(dates)
        fresh = [d for d in ((START + timedelta(days=i)).isoformat() for i in rng.sample(range(DAYS), DAYS))
                 if d not in shown][:20]
        print("\npages and lists (warm, 5 requests each; sizes as sent, gzip when over 1 KB)")
        for label, path, headers in [
            ("/?date= full page (new day each time)", None, None),
            ("HTMX panel for a slider step (new day)", None, {"HX-Request": "true"}),
            ("/api/events.json first page", "/api/events.json", None),
            ("/api/events.json deep page (next of a mid-year event)", "/api/events.json?_next=" + f"{START + timedelta(days=180)},e5", None),
            ("/events page", f"/events?date={dates[0]}", None),
            ("/api/timeline.json", "/api/timeline.json", None),
        ]:
            if path is None:  # a date not shown before each time: what a slider step costs
                times, size = [], 0
                for d in fresh[:10] if headers else fresh[10:20]:
                    ms, _, b, _ = get(ours, f"/?date={d}", headers)
                    times.append(ms)
                    size = len(b)
                print(f"  {label:58} {med(times):>26} {size / 1000:8.1f} KB")
                continue
            t, size = timed(path, headers)
            print(f"  {label:58} {t:>26} {size / 1000:8.1f} KB")
        t = time.perf_counter()
        ours.request("GET", "/api/events.csv")
        r = ours.getresponse()
        n = 0
        while chunk := r.read(1 << 16):
            n += len(chunk)
        print(f"  {'/api/events.csv (all rows, streamed)':58} {(time.perf_counter() - t) * 1000:>18.0f} ms {n / 1e6:8.1f} MB")
        now, peak = rss_mb(server.pid)
        print(f"\nserver RSS after all of this: {now:.0f} MB (peak {peak:.0f} MB)")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
