"""Approximate areas of control: the method on hand-made places (pure), and the API on data/."""
from __future__ import annotations

import shapely
from shapely.geometry import Point, shape

from app import areas


def _place(pid, lon, lat, side="a", status="held", freshness="reported"):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": pid, "side": side, "status": status, "freshness": freshness}}


SIDES = [{"code": "a", "name": "Side A", "colour": "#ff0000", "coalition": "government"},
         {"code": "b", "name": "Side B", "colour": "#0000ff", "coalition": "opposition"}]


def test_cells_dissolve_by_holder_and_stop_at_the_reach():
    collection = {"date": "2024-12-01", "sides": SIDES, "features": [
        _place("w1", 36.0, 34.0), _place("w2", 36.2, 34.0), _place("e1", 37.0, 34.0, side="b")]}
    out = areas.areas(collection, land=None, reach_km=30)
    by = {(f["properties"]["group"], f["properties"]["side"]): f for f in out["features"]}
    assert set(by) == {("reported", "a"), ("reported", "b")}
    a, b = shape(by[("reported", "a")]["geometry"]), shape(by[("reported", "b")]["geometry"])
    assert by[("reported", "a")]["properties"]["places"] == ["w1", "w2"]
    assert a.covers(Point(36.1, 34.0)) and b.covers(Point(37.0, 34.0))
    assert not a.intersects(b.buffer(-1e-3))  # Voronoi cells do not overlap
    assert not a.covers(Point(36.1, 34.5))  # 55 km north of both: beyond the 30 km reach
    assert out["approximate"] is True


def test_land_cuts_cells_and_stale_places_are_last_known():
    collection = {"date": "2024-12-01", "sides": SIDES, "features": [
        _place("x", 36.0, 34.0, freshness="last_known"), _place("y", 36.5, 34.0, status="contested"),
        _place("z", 37.0, 34.0, side=None, status="withdrawn")]}
    land = shapely.box(35.9, 33.0, 40.0, 35.0)  # the sea west of 35.9
    out = areas.areas(collection, land=land, reach_km=50)
    groups = {f["properties"]["group"]: shape(f["geometry"]) for f in out["features"]}
    assert set(groups) == {"last_known", "contested", "unknown"}
    assert all(g.bounds[0] >= 35.9 - 1e-6 for g in groups.values())
    colours = {f["properties"]["group"]: f["properties"]["colour"] for f in out["features"]}
    assert colours["unknown"] is None and colours["last_known"] == "#ff0000"


def test_areas_api_on_bundled_data(client):
    r = client.get("/api/areas.geojson", params={"date": "2024-12-08"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["approximate"] is True and "derived" not in body  # method documented in `method`
    assert "Voronoi" in body["method"]
    places = [p for f in body["features"] for p in f["properties"]["places"]]
    assert len(places) == len(set(places)) > 10
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in body["features"])
    control = client.get("/api/control.geojson", params={"date": "2024-12-08"}).json()
    homs = next(f for f in control["features"] if f["properties"]["id"] == "homs")["properties"]
    cell = next(f for f in body["features"] if "homs" in f["properties"]["places"])
    assert cell["properties"]["side"] == homs["side"]
    for params, name in (({"date": "2024-13-01"}, "date"), ({"include": "x"}, "include")):
        r = client.get("/api/areas.geojson", params=params)
        assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith(name)
