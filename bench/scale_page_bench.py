"""The dashboard page and its HTMX panel at scale: wall time over HTTP, and CPU time per part.

    .venv/bin/python bench/scale_page_bench.py [--places 5000 --events 100000 --articles 1000] [--days 10]

Writes the synthetic conflict (bench/synthetic.py), builds a SQLite database with the real
migrations and loader, then
- over HTTP, against the real server (`uvicorn app.main:app`, a cache directory of its own):
  `/?date=D` for days not shown before, the HTMX panel of a slider step (`HX-Request: true`)
  for other new days, the same filtered by a side, and the panel of days shown before;
- in process (the same app through a test client), the thread CPU time of each part of a new
  day's page: the legend's grouped query, what changed, the disagreements, the event list, the
  template. CPU time does not depend on how busy the machine is; wall time does.
Not a test: README's "At scale" section keeps the figures.
"""
from __future__ import annotations

import argparse
import collections
import functools
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "bench"))

from liveserver import build_database, running_server  # noqa: E402
from synthetic import DAYS, START, write_dataset  # noqa: E402


def http_figures(url: str, days: list[str], n: int) -> dict:
    out = {}
    with running_server(url) as base:
        urllib.request.urlopen(base + "/?date=" + START.isoformat()).read()

        def get(path, headers=None):
            req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip", **(headers or {})})
            t = time.perf_counter()
            body = urllib.request.urlopen(req).read()
            return (time.perf_counter() - t) * 1000, len(body)

        htmx = {"HX-Request": "true"}
        runs = {
            "full page, a day not shown before": [get(f"/?date={d}") for d in days[:n]],
            "HTMX panel of a slider step, a day not shown before": [get(f"/?date={d}", htmx) for d in days[n:2 * n]],
            "HTMX panel filtered by a side (side=sdf), new day": [get(f"/?date={d}&side=sdf", htmx)
                                                                 for d in days[2 * n:3 * n]],
            "HTMX panel, a day shown before": [get(f"/?date={d}", htmx) for d in days[n:2 * n]],
        }
        for name, xs in runs.items():
            ms = sorted(x for x, _ in xs)
            out[name] = {"median_ms": round(statistics.median(ms), 1), "max_ms": round(ms[-1], 1),
                         "bytes": xs[0][1]}
    return out


def cpu_figures(url: str, days: list[str]) -> dict:
    from fastapi.testclient import TestClient

    from app import pages, queries
    from app.config import Settings
    from app.main import create_app

    spent: collections.Counter = collections.Counter()

    def timed(mod, name):
        f = getattr(mod, name)

        @functools.wraps(f)
        def wrapper(*a, **k):
            t = time.thread_time()
            try:
                return f(*a, **k)
            finally:
                spent[name] += time.thread_time() - t
        setattr(mod, name, wrapper)

    for name in ("_changes", "_disputed", "_timeline", "_event_groups", "_respond"):
        timed(pages, name)
    timed(queries, "day_legend")
    total = []
    with tempfile.TemporaryDirectory() as cache:
        app = create_app(Settings(database_url=url, assets="local", cache_dir=cache))
        with TestClient(app) as c:
            c.get(f"/?date={START}")
            spent.clear()
            for d in days:
                t = time.process_time()
                c.get(f"/?date={d}")
                total.append(time.process_time() - t)
    n = len(days)
    return {"page (whole process)": round(statistics.median(total) * 1000, 1),
            **{k: round(v / n * 1000, 1) for k, v in spent.most_common()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--places", type=int, default=5000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--days", type=int, default=10, help="requests per kind")
    args = ap.parse_args()
    rng = random.Random(11)
    days = [(START + timedelta(days=i)).isoformat() for i in rng.sample(range(1, DAYS), 4 * args.days)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_dataset(tmp / "data", places=args.places, events=args.events, articles=args.articles)
        url = build_database(tmp / "bench.db", tmp / "data")
        before = os.getloadavg()[0]
        os.environ["CACHE_DIR"] = str(tmp / "cache")
        http = http_figures(url, days, args.days)
        cpu = cpu_figures(url, days[3 * args.days:])
    print(f"{args.places} places / {args.events} events; load average {before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    for name, f in http.items():
        print(f"  {name:55} median {f['median_ms']:7.1f} ms (max {f['max_ms']:.1f}), {f['bytes'] / 1000:.1f} KB")
    print("  CPU time of a new day's page, per part (median of the page; parts: mean):")
    for name, ms in cpu.items():
        print(f"    {name:30} {ms:7.1f} ms")


if __name__ == "__main__":
    main()
