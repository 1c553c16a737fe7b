"""A generated conflict of 2,000 places / 20,000 events: the bulk loader stays correct, the
event lists page and stream, and the hot queries use their indexes (EXPLAIN QUERY PLAN)."""
from __future__ import annotations

import csv
import io
import random
import sqlite3
import sys
from contextlib import contextmanager
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import derive, queries
from app.config import ROOT, Settings
from app.datafiles import read_dataset
from app.db import engine_for
from app.loader import load_directory, migrate
from app.main import create_app

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import START, write_dataset  # noqa: E402

from compact_state import COMPACT_KEYS, state_from_periods as _state_from_periods  # noqa: E402


@pytest.fixture(scope="module")
def scale(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    write_dataset(root / "data", places=2000, events=20000, articles=200)
    url = f"sqlite:///{root / 'scale.db'}"
    engine = engine_for(url)
    migrate(engine)
    report = load_directory(root / "data", engine)
    return {"root": root / "data", "url": url, "engine": engine, "report": report}


@pytest.fixture(scope="module")
def scale_client(scale):
    with TestClient(create_app(Settings(database_url=scale["url"], assets="local"))) as c:
        yield c


def test_bulk_load_matches_the_pure_derivation(scale):
    ds, errors = read_dataset(scale["root"])
    assert errors == [] and scale["report"].counts["events"] == 20000
    coalition_of = {s["code"]: s["coalition"] for s in ds.sides}
    baseline = [derive.BaselineState(b["place_id"], b["side"], b["date"]) for b in ds.baseline]
    events = [derive.ControlEvent(e["id"], e["date"], e["place_id"], e["type"], e["actor"],
                                  e["control"], e["article_id"]) for e in ds.events]
    periods = derive.derive_periods(baseline, events, coalition_of)
    rng = random.Random(3)
    with Session(scale["engine"]) as s:
        for day in [START + timedelta(days=rng.randrange(365)) for _ in range(8)]:
            expected = {place: (p.state.side, p.state.status, p.state.challenger, p.valid_from)
                        for place, p in derive.state_on(periods, day).items()}
            for layer in ("accepted", "proposed"):
                got = {r.place_id: (r.side, r.status, r.challenger, r.valid_from)
                       for r in queries.periods_on(s, day, layer)}
                assert got == expected, (day, layer)
    con = sqlite3.connect(scale["engine"].url.database)
    n_links = con.execute("select count(*) from periodevent").fetchone()[0]
    assert n_links == 2 * sum(len(set(p.event_ids)) for p in periods)
    indexes = {r[0] for r in con.execute("select name from sqlite_master where type='index'")}
    assert {"ix_event_date_id", "ix_event_status", "ix_period_lookup", "ix_period_place"} <= indexes
    con.close()


def test_events_json_pages_by_keyset_and_next_url_round_trips(scale_client):
    first = scale_client.get("/api/events.json?_size=500&type=capture")
    assert first.status_code == 200
    body = first.json()
    assert len(body["events"]) == 500 and body["size"] == 500 and body["count"] > 500
    seen = [e["id"] for e in body["events"]]
    while body["next_url"]:
        query = parse_qs(urlsplit(body["next_url"]).query)
        assert query["type"] == ["capture"] and query["_size"] == ["500"]
        assert query["_next"] == [body["next"]]
        r = scale_client.get(body["next_url"])
        assert r.status_code == 200 and 'rel="next"' in r.headers.get("link", 'rel="next"')
        body = r.json()
        seen += [e["id"] for e in body["events"]]
    everything = scale_client.get("/api/events.json?type=capture&_size=1000")
    assert len(seen) == len(set(seen)) == everything.json()["count"]
    with Session(engine_for(str(scale_client.app.state.settings.database_url))) as s:
        expected = [e["id"] for e in queries.events(s, types=["capture"])]
    assert seen == expected  # oldest first, by (date, id), nothing skipped or repeated


def test_a_default_page_is_small(scale_client):
    r = scale_client.get("/api/events.json")
    body = r.json()
    assert len(body["events"]) == 100 and body["count"] == 20000
    assert len(r.content) < 200_000 and body["next_url"].startswith("http")


@pytest.mark.parametrize("query, name", [("_size=0", "_size"), ("_size=5000", "_size"),
                                         ("_size=x", "_size"), ("_next=nonsense", "_next"),
                                         ("_next=2030-02-30,e1", "_next")])
def test_bad_page_parameters_are_422_naming_them(scale_client, query, name):
    r = scale_client.get(f"/api/events.json?{query}")
    assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith(f"{name}:")


def test_events_csv_streams_every_row(scale_client):
    with scale_client.stream("GET", "/api/events.csv?from=2030-03-01") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "content-length" not in r.headers  # streamed, not built in memory
        chunks = list(r.iter_text())
    rows = list(csv.DictReader(io.StringIO("".join(chunks))))
    with Session(engine_for(str(scale_client.app.state.settings.database_url))) as s:
        expected = queries.count_events(s, date_from=date(2030, 3, 1))
    assert len(rows) == expected > 1000
    assert len({r["event_id"] for r in rows}) == len(rows)
    assert min(r["event_date"] for r in rows) >= "2030-03-01"


def test_events_page_is_paginated(scale_client):
    r = scale_client.get("/events?date=2030-12-31")
    assert r.status_code == 200
    assert r.text.count('class="pl"') == 100
    assert 'hx-get="/events?date=2030-12-31&amp;offset=100"' in r.text


PLANS = {
    # a slider step: the periods in force on a day, by the (layer, valid_from, …) or (layer, place, …) index
    "periods_on": ("SELECT id FROM controlperiod WHERE layer = 'accepted' AND valid_from <= '2030-06-01' "
                   "AND (valid_to IS NULL OR valid_to > '2030-06-01') ORDER BY place_id",
                   ("ix_period_lookup", "ix_period_place")),
    # one place's history
    "place_history": ("SELECT id FROM controlperiod WHERE layer = 'accepted' AND place_id = 'p7' "
                      "ORDER BY valid_from", ("ix_period_place",)),
    # a page of events after a keyset token
    "events_page": ("SELECT event.id FROM event JOIN place ON place.id = event.place_id "
                    "JOIN article ON article.id = event.article_id WHERE event.status IN ('accepted') "
                    "AND (event.date, event.id) > ('2030-06-01', 'e5') ORDER BY event.date, event.id LIMIT 101",
                    ("ix_event_date_id", "ix_event_status_date")),
    # the side panel: events up to a day, newest first
    "panel_events": ("SELECT event.id FROM event WHERE event.status IN ('accepted') "
                     "AND event.date <= '2030-06-01' ORDER BY event.date DESC, event.id LIMIT 30",
                     ("ix_event_date_id", "ix_event_status_date")),
    # the timeline and the panel's per-day counts, from the index alone
    "per_day_counts": ("SELECT date, count(*) FROM event WHERE status IN ('accepted') GROUP BY date",
                       ("COVERING INDEX ix_event_status_date",)),
    # the sources of the periods of a day
    "period_sources": ("SELECT event_id FROM periodevent WHERE period_id IN (1, 2, 3)",
                       ("sqlite_autoindex_periodevent_1",)),
    # how many events wait for review
    "pending": ("SELECT count(*) FROM event WHERE status = 'proposed'", ("ix_event_status",)),
    # the panel's disagreements: places with two sources' claims on one day of the last few
    "disagreement_candidates": ("SELECT place_id FROM event WHERE date >= '2030-05-29' AND date <= '2030-06-01' "
                                "AND status IN ('accepted') AND (control IS NOT NULL OR type = 'entry') "
                                "GROUP BY place_id, date HAVING count(DISTINCT article_id) > 1",
                                ("ix_event_date_id", "ix_event_status_date", "ix_event_date")),
}



def _plans(scale, statements) -> list[list[str]]:
    """EXPLAIN QUERY PLAN of each (sql, parameters) on the scale database, a list of lines each."""
    con = sqlite3.connect(scale["engine"].url.database)
    try:
        return [[r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sql, params)] for sql, params in statements]
    finally:
        con.close()


def _sql(scale, stmt) -> str:
    """A SQLAlchemy statement compiled for the scale database, with its values inline."""
    return str(stmt.compile(scale["engine"], compile_kwargs={"literal_binds": True}))


def _plan_of(scale, stmt) -> list[str]:
    return _plans(scale, [(_sql(scale, stmt), ())])[0]

@contextmanager
def _recorded(scale, wanted):
    """The (statement, parameters) the scale engine runs inside the block, those `wanted` keeps."""
    from sqlalchemy import event

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if wanted(statement):
            seen.append((statement, parameters))

    event.listen(scale["engine"], "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(scale["engine"], "before_cursor_execute", record)

@pytest.mark.parametrize("name", sorted(PLANS))
def test_hot_queries_use_their_index(scale, name):
    sql, indexes = PLANS[name]
    plan = " | ".join(_plans(scale, [(sql, ())])[0])
    first = plan.split(" | ")[0]
    assert first.startswith("SEARCH") and any(ix in first for ix in indexes), plan
    if name == "events_page":
        assert "TEMP B-TREE" not in plan, plan  # the page is read in index order, not sorted


def test_the_claims_of_a_days_places_are_read_by_place_and_date_range(scale):
    """A cold day's disagreements: each place's claims since its period began, up to the day, are
    read by the (place_id, date) range of ix_event_place_date (migration 0006), not every event of
    the place. This is the statement queries.control_collection runs (recorded as it runs)."""
    claims = "JOIN controlperiod ON controlperiod.place_id = event.place_id"
    with _recorded(scale, lambda sql: claims in sql) as seen:
        with Session(scale["engine"]) as s:
            queries.control_collection(s, date(2030, 6, 1), stale_after_days=3)
    assert seen
    plan = _plans(scale, seen[:1])[0]
    assert "SEARCH event USING INDEX ix_event_place_date (place_id=? AND date>? AND date<?)" in plan, plan


def test_a_cold_day_reads_its_parts_in_place_order_by_primary_keys(scale):
    """The first request of a day (app/dayparts.py): one statement walks the layer's periods in
    place order (ix_period_place: the features' order, no sort) and fetches each one's parts and
    the step in force by primary key: no table scanned, nothing sorted. Recorded as it runs."""
    from app import dayparts

    with _recorded(scale, lambda sql: "periodstep" in sql and sql.lstrip().upper().startswith("SELECT")) as seen:
        with Session(scale["engine"]) as s:
            body = dayparts.collection_bytes(s, date(2030, 6, 1), stale_after_days=3)
    assert body is not None and len(seen) == 1
    plan = _plans(scale, seen[:1])[0]
    assert plan == [
        "SEARCH controlperiod USING INDEX ix_period_place (layer=?)",
        "SEARCH placepart USING INDEX sqlite_autoindex_placepart_1 (place_id=?) LEFT-JOIN",
        "SEARCH periodpart USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN",
        "SEARCH periodstep USING INDEX sqlite_autoindex_periodstep_1 (period_id=? AND day<?) LEFT-JOIN",
    ], plan


def test_compact_periods_let_a_client_compute_any_day(scale_client):
    places = scale_client.get("/api/places.json")
    assert places.status_code == 200 and places.headers["etag"]
    rows = places.json()
    assert rows["fields"][:5] == ["id", "name", "native_name", "lon", "lat"] and len(rows["places"]) == 2000
    r = scale_client.get("/api/periods.json")
    compact = r.json()
    assert scale_client.get("/api/periods.json", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    assert compact["stale_after_days"] == scale_client.app.state.settings.stale_after_days
    rng = random.Random(9)
    differs_from_period = stale = 0
    for day in [START + timedelta(days=rng.randrange(365)) for _ in range(6)] + [START, START + timedelta(days=364)]:
        fc = scale_client.get(f"/api/control.geojson?date={day}").json()
        local = _state_from_periods(compact, day)
        assert set(local) == {f["id"] for f in fc["features"]}
        for f in fc["features"]:
            p, mine = f["properties"], local[f["id"]]
            assert {k: mine[k] for k in COMPACT_KEYS} == {k: p[k] for k in COMPACT_KEYS}, (day, f["id"])
            stale += p["freshness"] == "last_known" and p["status"] != "baseline"
        periods = {r.place_id: r.side for r in queries.periods_on(
            Session(engine_for(str(scale_client.app.state.settings.database_url))), day)}
        differs_from_period += sum(1 for f in fc["features"] if f["properties"]["side"] != periods[f["id"]])
    assert differs_from_period > 0  # the side named most by the day, not the period's final one
    assert stale > 0  # events aging into "last known"


def test_a_popup_gets_one_place_with_its_sources(scale_client):
    fc = scale_client.get("/api/control.geojson?date=2030-07-01").json()
    feature = next(f for f in fc["features"] if f["properties"]["status"] == "held")
    one = scale_client.get(f"/api/places/{feature['id']}.geojson?date=2030-07-01")
    assert one.status_code == 200 and one.json() == feature
    assert scale_client.get("/api/places/nowhere.geojson").status_code == 404
    assert scale_client.get("/api/places/p1.geojson?date=2030-13-01").status_code == 422


def test_the_legend_query_reads_each_table_by_an_index(scale):
    """The side panel's legend: one statement (queries.legend_statement) whose every table read
    is an index SEARCH: the periods in force by (layer, valid_from), their events by the
    period-event key and the event's primary key. No table is scanned."""
    with Session(scale["engine"]) as s:
        stmt = queries.legend_statement(s, date(2030, 6, 1), "accepted", 3)
    plan = _plan_of(scale, stmt)
    reads = [line for line in plan if any(t in line for t in ("controlperiod", "periodevent", "event "))]
    assert reads == [
        "SEARCH controlperiod USING INDEX ix_period_lookup (layer=? AND valid_from<?)",
        "SEARCH periodevent USING COVERING INDEX sqlite_autoindex_periodevent_1 (period_id=?)",
        "SEARCH event USING INDEX sqlite_autoindex_event_1 (id=?)",
    ], plan
    sql = _sql(scale, stmt)
    assert sql.count("SELECT") >= 5 and sql.lstrip().startswith("WITH")  # one statement of CTEs
    # and it is the statement day_legend runs: the same counts as the day's GeoJSON
    with Session(scale["engine"]) as s:
        fc = queries.control_collection(s, date(2030, 6, 1), stale_after_days=3)
        legend = queries.day_legend(s, date(2030, 6, 1), stale_after_days=3)
    assert (legend["sides"], legend["statuses"]) == (fc["sides"], fc["statuses"])


def test_the_filtered_panels_statement_reads_each_table_by_an_index(scale):
    """A filtered panel's one statement (queries.matches_statement: the legend's grouped rows and
    the side's places, from the day's states computed once) reads each table as the legend does."""
    with Session(scale["engine"]) as s:
        stmt = queries.matches_statement(s, date(2030, 6, 1), "accepted", 3, side="sdf")
    plan = _plan_of(scale, stmt)
    reads = [line for line in plan if any(t in line for t in ("controlperiod", "periodevent", "event "))]
    assert reads == [
        "SEARCH controlperiod USING INDEX ix_period_lookup (layer=? AND valid_from<?)",
        "SEARCH periodevent USING COVERING INDEX sqlite_autoindex_periodevent_1 (period_id=?)",
        "SEARCH event USING INDEX sqlite_autoindex_event_1 (id=?)",
    ], plan
    assert any(line.startswith("MATERIALIZE daystate") for line in plan), plan  # computed once, read twice


def test_filtered_counts_read_the_event_table_in_one_pass(scale):
    """A side or type filter keeps a large share of the events: the per-day counts of the panel's
    event list and the places with an event of a type are read in one pass over the table, not
    row by row through the (status, date) or (place, date) index (6x slower at 100,000 events).
    These are the statements the queries run (recorded as they run)."""
    with _recorded(scale, lambda sql: "FROM event" in sql) as seen:
        with Session(scale["engine"]) as s:
            queries.event_counts(s, side_codes=["sdf"], date_to=date(2030, 6, 1))
            queries.event_counts(s, types=["capture"])
            queries.first_event_dates(s, types=["capture"], include_proposed=True)
            queries.event_counts(s, places=["p1", "p2"], date_to=date(2030, 6, 1))  # a few places: by index
    plans = _plans(scale, seen)
    assert len(plans) == 4
    for plan in plans[:3]:
        assert plan == ["SCAN event", "USE TEMP B-TREE FOR GROUP BY"], plan
    assert plans[3][0].startswith("SEARCH event USING INDEX ix_event_place_date"), plans[3]


def test_a_broad_search_reads_the_panels_events_in_date_order(scale):
    """The panel's newest events for a search that finds many places (over queries.SCAN_ABOVE) are
    read in date order, each checked against the places, not every event of those places sorted;
    a narrow search reads its few places by the (place, date) index."""
    ids = [f"p{i}" for i in range(500)]  # a quarter of the places
    with _recorded(scale, lambda sql: "FROM event JOIN place" in sql) as seen:
        with Session(scale["engine"]) as s:
            queries.events(s, date_to=date(2030, 6, 1), newest_first=True, limit=4, places=ids, side_codes=["sdf"])
            queries.events(s, date_to=date(2030, 6, 1), newest_first=True, limit=4, places=ids[:5])
    plans = _plans(scale, seen)
    assert len(plans) == 2
    # read in date order (by the date or the (status, date) index; at most the ids of one day sorted)
    assert plans[0][0].startswith(("SEARCH event USING INDEX ix_event_date_id",
                                   "SEARCH event USING INDEX ix_event_status_date")), plans[0]
    assert "USE TEMP B-TREE FOR ORDER BY" not in plans[0], plans[0]
    assert any(line.startswith("SEARCH event USING INDEX ix_event_place_date") for line in plans[1]), plans[1]
