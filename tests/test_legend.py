"""The side panel's legend comes from one grouped query (queries.day_legend), and it says exactly
what /api/control.geojson says: per side the places reported held and those only last known
held, contested and withdrawn places (reported / last known), and how many places rest on an
unreviewed event. Checked for every day of the bundled range on SQLite and PostgreSQL, and on
a small made-up conflict with stale, contested, same-coalition and unreviewed claims."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from app import queries
from app.db import engine_for
from app.loader import load_directory
from app.models import Article, Event


def _geojson_counts(fc: dict) -> tuple:
    unreviewed = sum(1 for f in fc["features"] if f["properties"]["proposed"])
    return fc["sides"], fc["statuses"], unreviewed


def _legend_counts(legend: dict) -> tuple:
    return legend["sides"], legend["statuses"], legend["unreviewed"]


def _days(session):
    start, end = queries.date_bounds(session)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.mark.parametrize("include", ["", "proposed"])
def test_legend_equals_the_geojson_on_every_bundled_day(client, db_url, include):
    settings = client.app.state.settings
    engine = engine_for(db_url)
    with Session(engine) as s:
        days = _days(s)
        assert len(days) >= 10
        seen_last_known = 0
        for day in days:
            fc = client.get(f"/api/control.geojson?date={day}" + (f"&include={include}" if include else "")).json()
            legend = queries.day_legend(s, day, include_proposed=bool(include),
                                        stale_after_days=settings.stale_after_days)
            assert _legend_counts(legend) == _geojson_counts(fc), day
            assert legend["layer"] == fc["layer"] and legend["stale_after_days"] == fc["stale_after_days"]
            seen_last_known += sum(x["last_known"] for x in legend["sides"])
        assert seen_last_known > 0  # the bundled range has last-known places: the split is exercised


def _add_unreviewed(engine):
    """Unreviewed claims (as `tidemark ingest` leaves them): another side of the same coalition
    on Alpha, an entry into Gamma, and a capture of Gamma by the government's foe later."""
    with Session(engine) as s:
        s.add(Article(id="ingested", title="T", outlet="Ingested Times", language="de",
                      published=date(2030, 1, 6), text="x", content_hash="h-ingested", origin="ingest"))
        s.flush()
        for i, (day, place, type_, actor, control) in enumerate([
                (date(2030, 1, 6), "alpha", "capture", "reb2", "reb2"),
                (date(2030, 1, 6), "gamma", "entry", "reb", "contested"),
                (date(2030, 1, 10), "gamma", "capture", "reb", "reb"),
                (date(2030, 1, 10), "beta", "withdrawal", "gov", None)]):
            s.add(Event(id=f"ingested-p{i}", date=day, place_id=place, type=type_, actor=actor, control=control,
                        article_id="ingested", quote="x", quote_start=0, quote_end=1, status="proposed"))
        s.commit()


@pytest.mark.parametrize("stale", [0, 1, 3, 10])
def test_legend_equals_the_geojson_with_stale_contested_and_unreviewed_claims(fresh_engine, small_data, stale):
    load_directory(small_data, fresh_engine)
    _add_unreviewed(fresh_engine)
    load_directory(small_data, fresh_engine)  # keeps the unreviewed events and derives the proposed layer
    statuses = set()
    with Session(fresh_engine) as s:
        for day in _days(s):
            for proposed in (False, True):
                fc = queries.control_collection(s, day, include_proposed=proposed, stale_after_days=stale)
                legend = queries.day_legend(s, day, include_proposed=proposed, stale_after_days=stale)
                assert _legend_counts(legend) == _geojson_counts(fc), (day, proposed)
                states = queries.day_states(s, day, include_proposed=proposed, stale_after_days=stale)
                assert states == {f["id"]: (f["properties"]["status"], f["properties"]["side"],
                                            f["properties"]["challenger"],
                                            f["properties"]["freshness"] == "last_known",
                                            f["properties"]["proposed"]) for f in fc["features"]}, (day, proposed)
                statuses |= {(f["properties"]["status"], f["properties"]["freshness"], f["properties"]["side"],
                              f["properties"]["proposed"]) for f in fc["features"]}
    # the cases the query must get right all occur
    assert ("contested", "reported", "gov", True) in statuses  # Gamma, entered (unreviewed)
    assert any(st == "held" and side == "reb2" for st, _, side, _ in statuses)  # the side named most, by the day
    assert any(st == "held" and side == "reb" for st, _, side, _ in statuses)
    assert any(p for *_, p in statuses)
    assert any(st == "held" and f == "last_known" for st, f, _, _ in statuses) or stale >= 10
    assert any(st == "contested" and f == "last_known" for st, f, _, _ in statuses) or stale >= 3


def test_the_page_does_not_build_the_days_geojson(client, monkeypatch):
    """The panel's legend and unreviewed count come from the grouped query; only the places that
    changed that day, or whose reports may disagree, are built as features."""
    from collections import OrderedDict

    from app import daycache

    monkeypatch.setattr(daycache, "_MEMO", OrderedDict())  # new days, whatever other tests asked before
    calls = []
    real = queries.control_collection

    def spy(session, day, *args, **kwargs):
        calls.append(kwargs)
        return real(session, day, *args, **kwargs)

    monkeypatch.setattr(queries, "control_collection", spy)
    for url in ("/?date=2024-12-05", "/?date=2024-12-06&include=proposed", "/embed?date=2024-12-04",
                "/?date=2024-12-03&side=sna"):
        r = client.get(url, headers={"HX-Request": "true"} if "12-06" in url else {})
        assert r.status_code == 200, url
    assert calls, "what changed and the disagreements are still built from features"
    assert all(c.get("changed_only") or c.get("places") is not None for c in calls), calls


def test_the_legend_on_the_page_is_the_geojsons(client):
    """The numbers the page prints are the counts of the day's GeoJSON, row by row."""
    for day in ("2024-11-27", "2024-12-02", "2024-12-05", "2024-12-08"):
        fc = client.get(f"/api/control.geojson?date={day}").json()
        text = client.get(f"/?date={day}").text
        legend = text[text.index('<ul class="legend"'):]
        legend = legend[:legend.index("</ul>")]
        shown = [(html.unescape(name), int(n), int(lk or 0)) for name, n, lk in re.findall(
            r"<span>([^<]*):</span> <b>(\d+)</b> reported(?:, <b>(\d+)</b> last known)?", legend)]
        st = fc["statuses"]
        expected = [(s["short_name"], s["reported"], s["last_known"]) for s in fc["sides"]
                    if s["reported"] or s["last_known"]]
        if st["contested"] or st["contested_last_known"]:
            expected.append(("Contested", st["contested"], st["contested_last_known"]))
        if st["withdrawn"] or st["withdrawn_last_known"]:
            expected.append(("No holder named", st["withdrawn"], st["withdrawn_last_known"]))
        assert shown == expected, day


@pytest.mark.parametrize("stale", [0, 3])
def test_compact_periods_state_every_day_as_the_geojson(fresh_engine, small_data, stale):
    """/api/periods.json's rows give the browser the GeoJSON's state on any day, unreviewed
    claims, stale reports and the side named most by the day included."""
    from compact_state import COMPACT_KEYS, state_from_periods

    load_directory(small_data, fresh_engine)
    _add_unreviewed(fresh_engine)
    load_directory(small_data, fresh_engine)
    with Session(fresh_engine) as s:
        for proposed in (False, True):
            compact = queries.compact_periods(s, include_proposed=proposed, stale_after_days=stale)
            for day in _days(s):
                fc = queries.control_collection(s, day, include_proposed=proposed, stale_after_days=stale)
                local = state_from_periods(compact, day)
                assert set(local) == {f["id"] for f in fc["features"]}
                for f in fc["features"]:
                    assert {k: local[f["id"]][k] for k in COMPACT_KEYS} == {
                        k: f["properties"][k] for k in COMPACT_KEYS}, (day, proposed, f["id"])
