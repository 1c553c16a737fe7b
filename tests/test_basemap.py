"""The offline basemap: TopoJSON decoding, coast/border split and clipping (pure), and the
bundled region built from the npm-installed Natural Earth data."""
from __future__ import annotations

import gzip
import json

import pytest

from app import basemap

# Two unit squares side by side sharing one arc (x = 1), no transform.
TOPO = {
    "type": "Topology",
    "arcs": [
        [[1, 0], [1, 1]],                  # 0: the shared edge
        [[1, 1], [0, 1], [0, 0], [1, 0]],  # 1: the rest of the left square
        [[1, 0], [2, 0], [2, 1], [1, 1]],  # 2: the rest of the right square
    ],
    "objects": {"countries": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "arcs": [[0, 1]]},
        {"type": "Polygon", "arcs": [[~0, 2]]},
    ]}},
}


def test_shared_arcs_are_borders_and_the_rest_coast():
    arcs, coast, border = basemap.split_arcs(TOPO)
    assert border == {0} and coast == {1, 2}
    rings = list(basemap.land_polygons(TOPO, arcs))
    assert rings[0][0][0] == rings[0][0][-1] == (1, 0)  # a closed ring from arcs 0 then 1


def test_quantized_arcs_are_delta_decoded():
    topo = {"transform": {"scale": [0.5, 2], "translate": [10, 20]}, "arcs": [[[0, 0], [2, 1], [-1, 1]]]}
    assert basemap.decode_arcs(topo) == [[(10, 20), (11, 22), (10.5, 24)]]


def test_clip_ring_to_a_box():
    square = [(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)]
    clipped = basemap.clip_ring(square, (2, 2, 10, 10))
    assert sorted(set(clipped)) == [(2, 2), (2, 4), (4, 2), (4, 4)]
    assert clipped[0] == clipped[-1]
    assert basemap.clip_ring(square, (5, 5, 6, 6)) == []


def test_clip_line_splits_where_it_leaves_the_box():
    line = [(-1, 1), (1, 1), (3, 1), (3, 3), (1, 3)]  # enters at x=0, leaves at x=2, stays out
    parts = basemap.clip_line(line, (0, 0, 2, 2))
    assert parts == [[(0, 1), (1, 1), (2, 1)]]
    zigzag = [(1, 1), (3, 1), (1, 1.5)]
    assert basemap.clip_line(zigzag, (0, 0, 2, 2)) == [[(1, 1), (2, 1)], [(2, 1.25), (1, 1.5)]]


def test_region_box_pads_the_places():
    assert basemap.region_box([33.0, 37.0], [36.0, 42.0]) == (32.0, 29.0, 46.0, 41.0)
    assert basemap.region_box([33.0, 37.0], [36.0, 52.0], minimum=1.0) == (26.4, 30.6, 61.6, 39.4)


def test_rivers_and_lakes_are_decoded_and_clipped():
    topo = {"arcs": [[[0, 0], [5, 5]], [[5, 5], [9, 5]], [[1, 1], [2, 1], [2, 2], [1, 1]]],
            "objects": {"rivers": {"type": "GeometryCollection", "geometries": [
                {"type": "LineString", "arcs": [0, 1]},
                {"type": "MultiLineString", "arcs": [[~1]]}]},
                "lakes": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[2]]}]}}}
    rivers, lakes = basemap.water(topo, (0, 0, 6, 6))
    assert rivers == [[[0, 0], [5, 5], [6, 5]], [[6, 5], [5, 5]]]  # arcs joined, reversed by ~i, clipped
    assert lakes == [[[[1, 1], [2, 1], [2, 2], [1, 1]]]]
    assert basemap.water(topo, (20, 20, 30, 30)) == ([], [])


def _unit(country, x0, y0, x1, y1):
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Feature", "properties": {"adm0_a3": country},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_first_level_boundaries_are_the_edges_two_units_of_one_country_share():
    # A1 | A2 | B1: A1/A2 share x=1 (a first-level boundary); A2/B1 share x=2 (a country border:
    # world-atlas draws it, so it is not repeated); outer edges are outlines.
    collection = {"features": [_unit("AAA", 0, 0, 1, 1), _unit("AAA", 1, 0, 2, 1), _unit("BBB", 2, 0, 3, 1)]}
    lines = basemap.admin1_lines(collection, (-1, -1, 4, 4), tolerance=0)
    assert lines == [[[1, 0], [1, 1]]]
    # drawn once, whichever unit lists it, and clipped to the box
    assert basemap.admin1_lines(collection, (-1, 0.5, 4, 4), tolerance=0) == [[[1, 0.5], [1, 1]]]
    assert basemap.admin1_lines(collection, (10, 10, 11, 11)) == []


def _bundled_box():
    import csv

    with open(basemap.ROOT / "data" / "places.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return basemap.region_box([float(r["lat"]) for r in rows], [float(r["lon"]) for r in rows])


@pytest.fixture(scope="module")
def bundled():
    for source in (basemap.SOURCE, basemap.RIVERS_SOURCE, basemap.ADMIN1_SOURCE):
        if not source.is_file():
            pytest.fail(f"{source} is missing: `npm ci` installs it (make test does)")
    box = _bundled_box()
    body = basemap.basemap_bytes(box)
    return box, body, json.loads(body)


def test_bundled_region_has_land_water_and_boundaries_and_stays_small(bundled):
    box, body, geo = bundled
    kinds = [f["properties"]["kind"] for f in geo["features"]]
    assert kinds == ["land", "lake", "river", "admin1", "coast", "border"]  # the drawing order
    # the added layers carry their look (Leaflet path options): the page's CSS needn't grow
    styles = {f["properties"]["kind"]: f["properties"].get("style") for f in geo["features"]}
    assert styles["river"]["color"] == "#6a9ec4" and styles["lake"]["fill"] is True and styles["admin1"]["dashArray"]
    geometry = {f["properties"]["kind"]: f["geometry"] for f in geo["features"]}
    for kind in ("coast", "border", "river", "admin1"):
        points = [p for line in geometry[kind]["coordinates"] for p in line]
        assert all(box[0] <= x <= box[2] and box[1] <= y <= box[3] for x, y in points), kind
    coast = [p for line in geometry["coast"]["coordinates"] for p in line]
    # the Syrian coast between Tartus and Latakia lies near 35.8-35.95 E
    assert any(35.7 < x < 36.0 and 34.9 < y < 35.6 for x, y in coast)
    assert len(gzip.compress(body)) < 150_000, "the basemap's budget is 150 KB gzipped"
    assert "Natural Earth" in geo["attribution"]


def test_bundled_rivers_include_the_euphrates_and_the_tigris(bundled):
    _, _, geo = bundled
    river = next(f["geometry"] for f in geo["features"] if f["properties"]["kind"] == "river")
    points = [p for line in river["coordinates"] for p in line]
    # the Euphrates between Raqqa (39.0 E, 35.95 N) and Deir ez-Zor (40.1 E, 35.3 N)
    assert any(39.2 < x < 40.0 and 35.4 < y < 36.0 for x, y in points)
    # the Tigris along the Syrian-Turkish-Iraqi border near Faysh Khabur (42.3 E, 37.1 N)
    assert any(42.0 < x < 42.6 and 36.9 < y < 37.4 for x, y in points)


def test_bundled_first_level_boundaries_split_syria_not_its_outline(bundled):
    _, _, geo = bundled
    admin1 = next(f["geometry"] for f in geo["features"] if f["properties"]["kind"] == "admin1")
    points = [p for line in admin1["coordinates"] for p in line]
    # the boundary of the Hama and Homs governorates crosses the plain between them (~34.9-35.0 N)
    assert any(36.3 < x < 37.5 and 34.8 < y < 35.2 for x, y in points)
    # coasts and country borders are outlines, not first-level boundaries: only the ends of the
    # boundaries touch them (6 % of the vertices share a 0.1-degree cell with them; with the
    # outlines repeated it would be most of them)
    geometry = {f["properties"]["kind"]: f["geometry"] for f in geo["features"]}
    outline = {(round(x, 1), round(y, 1)) for kind in ("coast", "border")
               for line in geometry[kind]["coordinates"] for x, y in line}
    assert sum((round(x, 1), round(y, 1)) in outline for x, y in points) < 0.15 * len(points)


def test_basemap_without_the_rivers_and_provinces_packages_keeps_the_rest(tmp_path, monkeypatch):
    if not basemap.SOURCE.is_file():
        pytest.fail(f"{basemap.SOURCE} is missing: `npm ci` installs it (make test does)")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    body = basemap.basemap_bytes(_bundled_box(), rivers=tmp_path / "none.json", admin1=tmp_path / "none.json")
    assert [f["properties"]["kind"] for f in json.loads(body)["features"]] == ["land", "coast", "border"]
    assert basemap.basemap_bytes(_bundled_box(), source=tmp_path / "none.json") is None


def test_features_in_reads_a_feature_a_line_or_the_whole_file_alike(tmp_path):
    inside, outside = _unit("AAA", 0, 0, 1, 1), _unit("BBB", 50, 50, 51, 51)
    lines = tmp_path / "lines.json"
    lines.write_text('{"type":"FeatureCollection", "features": [\n'
                     + ",\n".join(json.dumps(f) for f in (inside, outside)) + "\n]}\n")
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps({"type": "FeatureCollection", "features": [outside, inside]}, indent=1))
    box = (-1, -1, 2, 2)
    assert basemap.features_in(lines, box) == basemap.features_in(whole, box) == [inside]


def test_warm_cuts_the_loaded_places_basemap_into_the_cache(tmp_path, monkeypatch):
    """`tidemark load`, the container's start and the browser tests' databases cut it ahead."""
    from app.db import engine_for
    from app.loader import load_directory, migrate

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    basemap._cached.cache_clear()
    engine = engine_for(f"sqlite:///{tmp_path / 't.db'}")
    migrate(engine)
    assert basemap.warm(engine)  # no places yet: nothing to cut, nothing missing
    assert not (tmp_path / "cache" / "tidemark").exists()
    load_directory(basemap.ROOT / "data", engine)
    assert basemap.warm(engine)
    engine.dispose()
    cut = list((tmp_path / "cache" / "tidemark").glob("basemap-*.json"))
    assert len(cut) == 1 and cut[0].read_bytes() == basemap.basemap_bytes(_bundled_box())
