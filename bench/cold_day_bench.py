"""A cold day at scale: the first build of a day's /api/control.geojson, with and without an index.

    .venv/bin/python bench/cold_day_bench.py [--places 5000 --events 100000 --articles 1000]
                                             [--dates 8] [--index ix_event_place_date] [--rounds 2]

Writes the synthetic conflict (bench/synthetic.py), builds a SQLite database with the real
migrations and loader, then builds the day's collection (`queries.control_collection`, what
the first request of a date runs before it is cached) for random dates, in process, and
times it in CPU and wall time; also the claims query alone (each place's claims since its
period began, which the disagreements need), re-run with its recorded parameters through the
raw connection, and its EXPLAIN QUERY PLAN. The same dates are measured without the index
(dropped) and with it (created again), alternating `--rounds` times, so both see the same
file, the same page cache and the same machine load.

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--places", type=int, default=5000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--dates", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--index", default="ix_event_place_date", choices=sorted(INDEXES))
    args = ap.parse_args()

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
