"""A cold day at scale: the first build of a day's /api/control.geojson, before and after.

    .venv/bin/python bench/cold_day_bench.py [--places 5000 --events 100000 --articles 1000]
                                             [--dates 12]
    .venv/bin/python bench/cold_day_bench.py --index ix_event_place_date [--rounds 2]

Writes the synthetic conflict (bench/synthetic.py) and builds a SQLite database with the real
migrations and loader. Then, in process, for random dates, what the first request of a date
runs before its answer is cached (`daycache.get_or_build` into an empty cache folder: build,
encode, gzip, write), three ways, one after the other for each date, so that all see the same
file, page cache and machine load:

- before: `queries.control_collection` (5,000 features built with their sources and
  disagreements), encoded and gzipped at level 6 — the build of main before the day parts;
- after: `dayparts.collection_bytes` (one query for the parts, string assembly), gzipped fast
  (ISA-L level 2, `daycache.FAST`), then again by zlib at level 6 in the background thread (its
  CPU is shown apart: it runs after the answer);
- parts, gzip 6: the same parts gzipped at level 6 at once (what the fast level saves).

Each is timed in CPU and wall time; the bodies are checked to be the same bytes.

`--index NAME` runs the earlier comparison instead (session 3): the old build with and without
the index, alternating `--rounds` times, with the claims query alone and its EXPLAIN QUERY PLAN.

Not a test: figures depend on the machine; README's "At scale" section keeps them.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "bench"))

from liveserver import build_database  # noqa: E402
from synthetic import write_dataset  # noqa: E402

INDEXES = {"ix_event_place_date": "CREATE INDEX ix_event_place_date ON event (place_id, date)"}
CLAIMS_MARK = "JOIN controlperiod ON controlperiod.place_id = event.place_id"


def measure(engine, days: list[date]) -> dict:
    from sqlalchemy import event
    from sqlmodel import Session

    from app import queries

    claims: list = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if CLAIMS_MARK in statement:
            claims.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    build_cpu, build_wall, claims_wall = [], [], []
    try:
        for day in days:
            claims.clear()
            with Session(engine) as s:
                c0, w0 = time.process_time(), time.perf_counter()
                fc = queries.control_collection(s, day, stale_after_days=3)
                build_cpu.append(1000 * (time.process_time() - c0))
                build_wall.append(1000 * (time.perf_counter() - w0))
            assert fc["features"], day
            raw = engine.raw_connection()
            try:
                cur = raw.cursor()
                w0 = time.perf_counter()
                for statement, parameters in claims:
                    cur.execute(statement, parameters)
                    cur.fetchall()
                claims_wall.append(1000 * (time.perf_counter() - w0))
                statement, parameters = claims[0]
                plan = [r[3] for r in cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
            finally:
                raw.close()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    med = lambda v: round(statistics.median(v), 1)  # noqa: E731
    return {"build_cpu_ms": med(build_cpu), "build_wall_ms": med(build_wall), "claims_ms": med(claims_wall),
            "claims_queries": len(claims), "claims_plan": plan, "features": len(fc["features"])}


def compare_builds(args) -> None:
    import gzip
    import shutil

    from sqlmodel import Session

    from app import daycache, dayparts, queries
    from app.db import engine_for

    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_dataset(tmp / "data", places=args.places, events=args.events, articles=args.articles)
        url = build_database(tmp / "bench.db", tmp / "data")
        engine = engine_for(url)
        rng = random.Random(13)
        days = [date(2030, 1, 1) + timedelta(days=rng.randrange(365)) for _ in range(args.dates)]

        def first_request(day, how):
            root = tmp / "cache" / how
            shutil.rmtree(root, ignore_errors=True)
            with Session(engine) as s:
                if how == "before":
                    build = lambda: queries.control_collection(s, day, stale_after_days=3)  # noqa: E731
                else:
                    build = lambda: dayparts.collection_bytes(s, day, stale_after_days=3)  # noqa: E731
                c0, w0 = time.process_time(), time.perf_counter()
                if how == "parts, gzip 6":  # the parts' bytes, gzipped at once at level 6
                    data = daycache.gzip_compress(build())
                    cached = None
                else:
                    cached = daycache.get_or_build(root, "v", "accepted", day, build)
                    data = cached.path.read_bytes()
                cpu, wall = 1000 * (time.process_time() - c0), 1000 * (time.perf_counter() - w0)
            c0 = time.process_time()
            daycache.settle()  # the background recompression, outside the request's time
            background = 1000 * (time.process_time() - c0)
            body = gzip.decompress(cached.path.read_bytes() if cached else data)
            return cpu, wall, background, len(data), body

        first_request(days[0], "after")  # warm the imports and the page cache
        first_request(days[0], "before")
        ways = ("before", "after", "parts, gzip 6")
        results = {w: {"cpu": [], "wall": [], "bg": [], "size": []} for w in ways}
        for i, day in enumerate(days):
            bodies = {}
            for how in (ways if i % 2 == 0 else tuple(reversed(ways))):  # alternate the order
                cpu, wall, bg, size, body = first_request(day, how)
                r = results[how]
                r["cpu"].append(cpu)
                r["wall"].append(wall)
                r["bg"].append(bg)
                r["size"].append(size)
                bodies[how] = body
            assert len(set(bodies.values())) == 1, f"{day}: the builds differ"
            print(f"  {day}: " + "; ".join(f"{w} {results[w]['wall'][-1]:.0f} ms" for w in ways), flush=True)
        med = lambda v: statistics.median(v)  # noqa: E731
        print(f"\n{args.places} places / {args.events} events, {len(days)} random dates, every body the same bytes:")
        for w in ways:
            r = results[w]
            print(f"  {w:14} first request of a day: median {med(r['wall']):.1f} ms wall "
                  f"(min {min(r['wall']):.1f}, max {max(r['wall']):.1f}), {med(r['cpu']):.1f} ms CPU; "
                  f"gzip {med(r['size']) / 1000:.0f} KB"
                  + (f"; then {med(r['bg']):.1f} ms CPU in the background (level 6, "
                     f"{med(results['before']['size']) / 1000:.0f} KB kept)" if w == "after" else ""))
        b, a = results["before"], results["after"]
        print(f"  after / before: {med(a['wall']) / med(b['wall']):.3f} wall, {med(a['cpu']) / med(b['cpu']):.3f} CPU "
              f"({med(b['wall']) / med(a['wall']):.1f}x faster)")
        with engine.connect() as con:
            from sqlalchemy import text
            sizes = {t: con.execute(text(f"select count(*) from {t}")).scalar_one()
                     for t in ("placepart", "periodpart", "periodstep", "controlperiod")}
        print(f"  parts: {sizes}; database file {os.path.getsize(tmp / 'bench.db') / 1e6:.0f} MB")
        engine.dispose()
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--places", type=int, default=5000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--dates", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--index", default=None, choices=sorted(INDEXES))
    args = ap.parse_args()
    if args.index is None:
        return compare_builds(args)

    from sqlalchemy import text

    from app.db import engine_for

    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_dataset(tmp / "data", places=args.places, events=args.events, articles=args.articles)
        url = build_database(tmp / "bench.db", tmp / "data")
        engine = engine_for(url)
        with engine.begin() as con:
            have = con.execute(text("SELECT 1 FROM sqlite_master WHERE type='index' AND name=:n"),
                               {"n": args.index}).first() is not None
        print(f"{args.places} places / {args.events} events; migrations create {args.index}: {have}")
        rng = random.Random(13)
        days = [date(2030, 1, 1) + timedelta(days=rng.randrange(365)) for _ in range(args.dates)]
        measure(engine, days[:1])  # warm the page cache and the imports
        for r in range(args.rounds):
            for with_index in (False, True):
                with engine.begin() as con:
                    con.execute(text(f"DROP INDEX IF EXISTS {args.index}"))
                    if with_index:
                        con.execute(text(INDEXES[args.index]))
                    con.execute(text("ANALYZE"))
                m = measure(engine, days)
                print(f"round {r + 1}, {'with' if with_index else 'without'} {args.index}: "
                      f"build median {m['build_cpu_ms']} ms CPU ({m['build_wall_ms']} ms wall) over {len(days)} dates, "
                      f"{m['features']} features; claims query alone {m['claims_ms']} ms "
                      f"({m['claims_queries']} statements); plan: {' | '.join(m['claims_plan'])}")
        engine.dispose()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
