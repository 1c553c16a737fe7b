"""The dashboard page and its HTMX panel at scale: wall time over HTTP, and CPU time per part.

    .venv/bin/python bench/scale_page_bench.py [--places 5000 --events 100000 --articles 1000] [--days 10] [--compare DIR]

Writes the synthetic conflict (bench/synthetic.py), builds a SQLite database with the real
migrations and loader, then
- over HTTP, against the real server (`uvicorn app.main:app`, a cache directory of its own):
  `/?date=D` for days not shown before, the HTMX panel of a slider step (`HX-Request: true`)
  for other new days, the same with each filter of the page (side, type, a place search that
  finds a few places and one that finds every place, all three), and the panel of days shown
  before; with `--compare DIR`, a second server runs the code of another checkout (`main`), the
  two answer the same requests alternately, and their bodies are compared;
- in process (the same app through a test client), the CPU time of each kind of request for
  new days, and the thread CPU time of each part of a new day's page: the legend's grouped query, what changed, the disagreements, the event list, the
  template. CPU time does not depend on how busy the machine is; wall time does.
Not a test: README's "At scale" section keeps the figures.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import gzip
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
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "bench"))

from liveserver import build_database, running_server  # noqa: E402
from synthetic import DAYS, START, write_dataset  # noqa: E402


KINDS = [  # (what, query added to /?date=D, an HTMX request?)
    ("full page", "", False),
    ("HTMX panel", "", True),
    ("panel, side=sdf", "&side=sdf", True),
    ("panel, type=capture", "&type=capture", True),
    ("panel, q=Place 12 (111 places)", "&q=Place+12", True),
    ("panel, q=\u0645\u0643\u0627\u0646 (every place)", "&q=" + quote("\u0645\u0643\u0627\u0646"), True),
    ("panel, side + type + q=Place 1", "&side=sdf&type=capture&q=Place+1", True),
]


def http_figures(url: str, days: list[str], n: int, compare: Path | None = None) -> dict:
    """Each kind of request for `n` days not shown before (the first of a kind is also the first
    use of its filter), then the plain panel of days shown before. With `compare` (another
    checkout), its server answers the same requests, alternating with ours, on the same database."""
    roots = {"this": ROOT} if compare is None else {"before": compare, "this": ROOT}
    out: dict = {}
    same = collections.Counter()
    with contextlib.ExitStack() as stack:
        bases = {name: stack.enter_context(running_server(
                     url, root=root, env={"CACHE_DIR": stack.enter_context(tempfile.TemporaryDirectory())}))
                 for name, root in roots.items()}
        for base in bases.values():
            urllib.request.urlopen(base + "/?date=" + START.isoformat()).read()

        def get(base, path, headers=None):
            req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip", **(headers or {})})
            t = time.perf_counter()
            with urllib.request.urlopen(req) as r:
                body = r.read()
                zipped = r.headers.get("Content-Encoding") == "gzip"
            return (time.perf_counter() - t) * 1000, len(body), gzip.decompress(body) if zipped else body

        htmx = {"HX-Request": "true"}
        runs = [(name, [(f"/?date={d}{query}", htmx if fragment else None) for d in days[i * n:(i + 1) * n]])
                for i, (name, query, fragment) in enumerate(KINDS)]
        runs.append(("HTMX panel, a day shown before", [(f"/?date={d}", htmx) for d in days[n:2 * n]]))
        for name, requests in runs:
            times: dict = {k: [] for k in bases}
            for j, (path, headers) in enumerate(requests):
                order = list(bases) if j % 2 == 0 else list(reversed(bases))  # alternate who goes first
                bodies = {}
                for k in order:
                    ms, size, body = get(bases[k], path, headers)
                    times[k].append((ms, size))
                    # a full page names its own address (also URL-encoded, in its oEmbed link)
                    bodies[k] = body.replace(bases[k].encode(), b"").replace(quote(bases[k], safe="").encode(), b"")
                same[name] += len(set(bodies.values())) == 1
            out[name] = {}
            for k, xs in times.items():
                ms = sorted(x for x, _ in xs)
                out[name][k] = {"median_ms": round(statistics.median(ms), 1), "max_ms": round(ms[-1], 1),
                                "first_ms": round(xs[0][0], 1), "bytes": xs[0][1]}
            if compare is not None:
                out[name]["identical"] = f"{same[name]}/{len(requests)}"
    return out


def cpu_by_kind(url: str, days: list[str], n: int) -> dict:
    """In process, the CPU time of each kind of request (KINDS) for `n` new days each: median, and
    the first (the first use of its filter: what is kept per data version is built then)."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    out = {}
    with tempfile.TemporaryDirectory() as cache:
        app = create_app(Settings(database_url=url, assets="local", cache_dir=cache))
        with TestClient(app) as c:
            c.get(f"/?date={START}")
            for i, (name, query, fragment) in enumerate(KINDS):
                ms = []
                for d in days[i * n:(i + 1) * n]:
                    t = time.process_time()
                    r = c.get(f"/?date={d}{query}", headers={"HX-Request": "true"} if fragment else {})
                    ms.append((time.process_time() - t) * 1000)
                    assert r.status_code == 200, r.text[:200]
                out[name] = {"median_ms": round(statistics.median(ms), 1), "first_ms": round(ms[0], 1),
                             "max_ms": round(max(ms), 1)}
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
    ap.add_argument("--compare", type=Path, help="another checkout (e.g. `git archive main | tar -x -C DIR`, "
                    "with its app/locale/*.mo compiled): its server answers the same requests, alternating")
    args = ap.parse_args()
    rng = random.Random(11)
    n, k = args.days, len(KINDS)
    days = [(START + timedelta(days=i)).isoformat() for i in rng.sample(range(1, DAYS), (2 * k + 1) * n)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_dataset(tmp / "data", places=args.places, events=args.events, articles=args.articles)
        url = build_database(tmp / "bench.db", tmp / "data")
        before = os.getloadavg()
        http = http_figures(url, days[:k * n], n, args.compare)
        by_kind = cpu_by_kind(url, days[k * n:2 * k * n], n)
        cpu = cpu_figures(url, days[2 * k * n:])
    after = os.getloadavg()
    print(f"{args.places} places / {args.events} events; load average (1, 5, 15 min) "
          f"{before[0]:.1f} {before[1]:.1f} {before[2]:.1f} before, {after[0]:.1f} {after[1]:.1f} {after[2]:.1f} after")
    print(f"  over HTTP, {args.days} new days per kind: median (max; the first request, which is also the "
          "first use of its filter), gzip KB" + ("; identical bodies" if args.compare else ""))
    for name, by in http.items():
        cells = [f"{k}: {f['median_ms']:6.1f} ms (max {f['max_ms']:6.1f}; first {f['first_ms']:6.1f}) {f['bytes'] / 1000:4.1f} KB"
                 for k, f in by.items() if k != "identical"]
        print(f"  {name:40} " + " | ".join(cells) + (f" | identical {by['identical']}" if "identical" in by else ""))
    print(f"  CPU time in process (this checkout), {n} new days per kind: median (first, max)")
    for name, f in by_kind.items():
        print(f"  {name:40} {f['median_ms']:6.1f} ms ({f['first_ms']:.1f}, {f['max_ms']:.1f})")
    print("  CPU time of a new day's page, per part (median of the page; parts: mean):")
    for name, ms in cpu.items():
        print(f"    {name:30} {ms:7.1f} ms")


if __name__ == "__main__":
    main()
