"""A day's GeoJSON assembled from the load's pre-serialized parts (app/dayparts.py) is, byte for
byte, the day built feature by feature (`queries.control_collection`, encoded as the API sends
it): on every day of the bundled record and of a dense synthetic conflict (disagreements, stale
claims, unreviewed and rejected events), in both layers, at several staleness thresholds, on
SQLite and PostgreSQL. Without parts (a database migrated but not loaded since) the old build
answers. Large first answers are gzipped fast and compressed again in the background."""
from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from datetime import date, timedelta

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, inspect, text
from sqlmodel import Session

from app import daycache, dayparts, queries
from app.config import ROOT, Settings
from app.db import engine_for
from app.loader import load_directory, rebuild_periods
from app.main import create_app

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_dataset  # noqa: E402

from test_migration_0005 import _run  # noqa: E402  (the same Alembic runner)


def _days(session) -> list[date]:
    """Every day of the range, from the day before the baseline to the day after the end."""
    c = queries.conflict(session)
    start, end = queries.date_bounds(session)
    first = min(c.baseline_date, start) - timedelta(days=1)
    return [first + timedelta(days=i) for i in range((end - first).days + 2)]


def _assert_same(engine, stales=(3,), extra_stales=(0, 30)) -> Counter:
    """Both builds of every day, both layers; `extra_stales` on every fifth day. Returns what the
    compared bodies held, so a test can require that they exercised each rule."""
    seen: Counter = Counter()
    totals: dict = {}
    with Session(engine) as s:
        for i, day in enumerate(_days(s)):
            for proposed in (False, True):
                for stale in stales + (extra_stales if i % 5 == 0 else ()):
                    fast = dayparts.collection_bytes(s, day, include_proposed=proposed, stale_after_days=stale)
                    assert fast is not None, "the parts were built by the load"
                    slow = daycache.encode(queries.control_collection(s, day, include_proposed=proposed,
                                                                      stale_after_days=stale))
                    assert fast == slow, (day, proposed, stale)
                    for f in json.loads(fast)["features"]:
                        p = f["properties"]
                        seen["features"] += 1
                        seen[p["freshness"]] += 1
                        seen[p["status"]] += 1
                        seen["conflicts"] += bool(p["conflicts"])
                        seen["proposed"] += p["proposed"]
                        seen["several sources"] += p["corroboration"] > 1
                        seen["fewer sources than the period"] += len(p["sources"]) < _period_sources(s, f, proposed, totals)
    return seen


def _period_sources(session, feature, proposed, totals: dict) -> int:
    """How many sources the whole period has (to see that a day lists only those dated by it)."""
    p = feature["properties"]
    if p["status"] == "baseline":
        return 1
    key = (feature["id"], p["since"], proposed)
    if key not in totals:
        totals[key] = session.execute(text(
            "select count(*) from periodevent pe join controlperiod cp on cp.id = pe.period_id "
            "where cp.place_id = :p and cp.valid_from = :d and cp.layer = :l"),
            {"p": feature["id"], "d": date.fromisoformat(p["since"]),
             "l": "proposed" if proposed else "accepted"}).scalar_one()
    return totals[key]


def test_every_day_of_the_bundled_record_is_the_same_bytes(fresh_engine):
    load_directory(ROOT / "data", fresh_engine)
    seen = _assert_same(fresh_engine, stales=(3,), extra_stales=(0, 1, 10))
    assert seen["features"] > 0 and seen["reported"] and seen["last_known"], seen
    assert seen["held"] and seen["contested"] and seen["baseline"] and seen["several sources"], seen


def test_a_dense_synthetic_conflict_with_unreviewed_and_rejected_events(fresh_engine, tmp_path):
    """300 places, 4,000 events over 40 days: sources disagree, claims go stale; then some
    events are unreviewed and some rejected (as `review` leaves them) and the parts are rebuilt."""
    write_dataset(tmp_path / "data", places=300, events=4000, articles=40, days=40)
    load_directory(tmp_path / "data", fresh_engine)
    seen = _assert_same(fresh_engine, extra_stales=(0,))
    assert seen["conflicts"] and seen["last_known"] and seen["reported"] and seen["withdrawn"], seen
    assert seen["fewer sources than the period"], seen

    with Session(fresh_engine) as s:
        ids = list(s.execute(text("select id from event order by id")).scalars())
        for status, chosen in (("proposed", ids[::7]), ("rejected", ids[3::11])):
            s.execute(text("update event set status = :s where id in :ids")
                      .bindparams(bindparam("ids", expanding=True)), {"s": status, "ids": chosen})
        rebuild_periods(s)
        s.commit()
    seen = _assert_same(fresh_engine, extra_stales=())
    assert seen["proposed"] and seen["conflicts"], seen


def test_without_parts_the_day_is_built_the_old_way(fresh_engine, tmp_path):
    load_directory(ROOT / "data", fresh_engine)
    with Session(fresh_engine) as s:
        expected = queries.control_collection(s, date(2024, 12, 5))
        s.execute(text("delete from periodstep"))
        s.commit()
        assert dayparts.collection_bytes(s, date(2024, 12, 5)) is None
    client = TestClient(create_app(Settings(database_url=str(fresh_engine.url), assets="local",
                                            cache_dir=tmp_path / "cache")))
    assert client.get("/api/control.geojson?date=2024-12-05").json() == json.loads(daycache.encode(expected))


def test_0007_adds_the_parts_tables_and_a_database_of_0006_still_answers(tmp_path):
    engine = engine_for(f"sqlite:///{tmp_path / 'old.db'}")
    _run(engine, command.upgrade, "0006")
    load_directory(ROOT / "data", engine)  # into a 0006 schema: no parts are built
    with Session(engine) as s:
        assert dayparts.collection_bytes(s, date(2024, 12, 5)) is None
    _run(engine, command.upgrade, "0007")
    assert {"placepart", "periodpart", "periodstep"} <= set(inspect(engine).get_table_names())
    with Session(engine) as s:
        assert dayparts.collection_bytes(s, date(2024, 12, 5)) is None  # empty until the next load
    load_directory(ROOT / "data", engine)
    with Session(engine) as s:
        assert dayparts.collection_bytes(s, date(2024, 12, 5)) == daycache.encode(
            queries.control_collection(s, date(2024, 12, 5)))
    _run(engine, command.downgrade, "0006")
    assert not {"placepart", "periodpart", "periodstep"} & set(inspect(engine).get_table_names())
    engine.dispose()


def test_a_large_first_answer_is_gzipped_fast_then_compressed_again_when_idle(tmp_path, monkeypatch):
    body = json.dumps({"features": [{"id": i, "text": f"place {i} " * 20} for i in range(6000)]}).encode()
    assert len(body) >= daycache.FAST_FIRST_BYTES
    monkeypatch.setattr(daycache, "RECOMPRESS_WHEN_IDLE", 3600.0)  # days are being built: it waits
    cached = daycache.get_or_build(tmp_path, "v1", "accepted", "2030-01-01", lambda: body)
    first = cached.path.read_bytes()
    assert first == daycache.gzip_compress(body, *daycache.FAST) and gzip.decompress(first) == body
    assert cached.gzip_bytes() == first  # still the first pass
    monkeypatch.setattr(daycache, "RECOMPRESS_WHEN_IDLE", 0.0)  # quiet now
    daycache.settle()
    kept = cached.path.read_bytes()
    assert gzip.decompress(kept) == body
    assert kept == daycache.gzip_compress(body)  # zlib at the usual level, in the end
    assert len(kept) < len(first)
    assert not list(tmp_path.rglob("*.tmp"))
    small = daycache.get_or_build(tmp_path, "v1", "accepted", "2030-01-02", lambda: b'{"features":[]}')
    assert small.raw_bytes() == b'{"features":[]}'
    assert small.gzip_bytes() == daycache.gzip_compress(b'{"features":[]}')  # small: level 6 at once
