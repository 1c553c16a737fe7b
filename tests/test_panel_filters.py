"""The side panel's filters (side, type, place search) are answered in SQL and from what is kept
once per data version (queries.day_matches, queries.first_event_dates, search.search_index,
the filtered per-day counts), not from every place's state of the day read into Python. The
answers stay those of the unfiltered GeoJSON: checked for every day of the bundled range, on
SQLite and PostgreSQL (the `client` fixture), with and without unreviewed events."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select
from sqlmodel import Session

from app import pages, queries, search
from app.db import engine_for
from app.models import EVENT_TYPES, Place

HTMX = {"HX-Request": "true"}


def _days(session):
    start, end = queries.date_bounds(session)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _match(client, params: dict) -> list[str]:
    r = client.get("/", params=params, headers=HTMX)
    assert r.status_code == 200, (params, r.text[:300])
    found = re.search(r'<section class="held"[^>]* data-match="([^"]*)"', r.text)
    assert found, params
    return found.group(1).split()


def _typed(client, day: date, type_: str, include: str) -> set[str]:
    """Places with an event of `type_` up to `day`, from /api/events.json, page by page."""
    places, url = set(), f"/api/events.json?to={day}&type={type_}&_size=1000" + (f"&include={include}" if include else "")
    while url:
        body = client.get(url).json()
        places |= {e["place"]["id"] for e in body["events"]}
        url = body.get("next_url")
    return places


@pytest.mark.parametrize("include", ["", "proposed"])
def test_filtered_panels_match_the_unfiltered_geojson_on_every_bundled_day(client, db_url, include):
    """Per side: the places whose side shown or challenger is that side; per type: the places with
    such an event by the day; per search: the places it finds, best first; all three together."""
    with Session(engine_for(db_url)) as s:
        days = _days(s)
        side_codes = [x.code for x in queries.sides(s)]
        places = list(s.exec(select(Place)).scalars())
    inc = {"include": include} if include else {}
    challenged = typed_seen = 0
    for day in days:
        fc = client.get(f"/api/control.geojson?date={day}" + (f"&include={include}" if include else "")).json()
        props = {f["id"]: f["properties"] for f in fc["features"]}
        for side in side_codes:
            want = sorted(p for p, x in props.items() if side in (x["side"], x["challenger"]))
            assert _match(client, {"date": day, "side": side, **inc}) == want, (day, side)
            challenged += sum(1 for x in props.values() if x["challenger"] == side and x["side"] != side)
        for type_ in ("capture", "withdrawal", "entry"):
            typed = _typed(client, day, type_, include)
            want = sorted(p for p in props if p in typed)
            assert _match(client, {"date": day, "type": type_, **inc}) == want, (day, type_)
            typed_seen += len(want)
        for q in ("Homs", "حل", "a"):
            want = [p for p in search.search(places, q) if p in props]
            assert _match(client, {"date": day, "q": q, **inc}) == want, (day, q)
        both = _typed(client, day, "capture", include)
        want = [p for p in search.search(places, "a") if p in props and p in both
                and "sdf" in (props[p]["side"], props[p]["challenger"])]
        assert _match(client, {"date": day, "side": "sdf", "type": "capture", "q": "a", **inc}) == want, day
    assert challenged and typed_seen  # the cases the filters must get right occur


def test_search_index_answers_as_search_did(client, db_url):
    """search.search_index (names folded once per data version) ranks as the per-query fold did."""
    with Session(engine_for(db_url)) as s:
        places = list(s.exec(select(Place)).scalars())
    rows = search.index(places)
    for q in ("Homs", "homs", "حمص", "Халеп", "Halep", "aleppo", "a", "al", "İdlib", "إدلب", "  ", "zzz"):
        hits = []
        for p in places:
            r = search.rank(search.place_names(p), q)
            if r is not None:
                hits.append((r, -(p.population or 0), p.id))
        assert search.search_index(rows, q) == [pid for *_, pid in sorted(hits)], q


def test_filtered_event_lists_count_what_the_api_counts(client, db_url):
    """The panel's event list under a filter: its per-day counts (kept for every day, once per data
    version and filter, read from the event table in one pass) total what count_events says."""
    with Session(engine_for(db_url)) as s:
        days = _days(s)
        found = search.search(s.exec(select(Place)).scalars(), "a")
        for day in days[::3] + [days[-1]]:
            for filters in ({"side_codes": ["sdf"]}, {"types": ["capture"]}, {"places": found},
                            {"side_codes": ["gov"], "types": ["withdrawal"], "places": found}):
                for proposed in (False, True):
                    got = pages._event_groups(s, day, 0, 4, proposed, filters)
                    assert got["total"] == queries.count_events(s, date_to=day, include_proposed=proposed,
                                                                **filters), (day, filters, proposed)
                    per_day = queries.event_counts(s, date_to=day, include_proposed=proposed, **filters)
                    for g in got["groups"]:
                        assert g["count"] == per_day[date.fromisoformat(g["date"])]


def test_a_filtered_panel_computes_the_days_states_once(client, db_url, monkeypatch):
    """A filter on a new day: the legend and the filter's places come from one statement (the
    day's states are computed once), and the legend is kept; on that day again, unfiltered, no
    statement; with another filter, one statement for its places alone. Never every place's state
    into Python (queries.day_states), never the day's GeoJSON."""
    from collections import OrderedDict

    from app import daycache

    monkeypatch.setattr(daycache, "_MEMO", OrderedDict())  # every day is new
    monkeypatch.setattr(queries, "day_states", None)
    engine = engine_for(db_url)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "daystate" in statement:
            statements.append(statement)

    with Session(engine) as s:
        day = _days(s)[-2]
    event.listen(engine, "before_cursor_execute", record)
    try:
        for params, grouped in (({"side": "sdf", "type": "capture", "q": "a"}, [True]), ({}, []),
                                ({"type": "entry"}, [False]), ({"q": "Homs", "include": "proposed"}, [True])):
            statements.clear()
            # not gzip: a key of its own in the page cache (app/pagecache.py), whatever other tests asked
            r = client.get("/", params={"date": day, **params}, headers={**HTMX, "Accept-Encoding": "identity"})
            assert r.status_code == 200
            assert ["sum(daystate.proposed)" in x for x in statements] == grouped, (params, ["sum(daystate.proposed)" in x for x in statements])
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("side", [None, "gov", "sdf"])
def test_day_matches_equals_day_states(client, db_url, side):
    """queries.day_matches is day_states narrowed in SQL (or its complement without a side), with
    day_legend's counts beside it."""
    with Session(engine_for(db_url)) as s:
        for day in _days(s):
            for proposed in (False, True):
                legend, ids = queries.day_matches(s, day, include_proposed=proposed, side=side)
                states = queries.day_states(s, day, include_proposed=proposed)
                if side is None:  # the places with no state on the day
                    assert ids == sorted(set(s.exec(select(Place.id)).scalars()) - set(states))
                else:
                    assert ids == sorted(p for p, st in states.items() if side in (st[1], st[2]))
                assert legend == queries.day_legend(s, day, include_proposed=proposed)
                assert queries.day_matches(s, day, include_proposed=proposed, side=side, legend=False) == (None, ids)


def test_first_event_dates_give_each_days_places_with_an_event_of_the_type(client, db_url):
    with Session(engine_for(db_url)) as s:
        days = _days(s)
        for type_ in EVENT_TYPES:
            for proposed in (False, True):
                first = queries.first_event_dates(s, types=[type_], include_proposed=proposed)
                for day in days:
                    rows = queries.events(s, date_to=day, types=[type_], include_proposed=proposed)
                    assert {p for p, d in first.items() if d <= day} == {e["place"]["id"] for e in rows}
