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


def test_bundled_region_has_land_coast_and_borders_and_stays_small():
    if not basemap.SOURCE.is_file():
        pytest.fail(f"{basemap.SOURCE} is missing: `npm ci` installs it (make test does)")
    box = (34.25, 31.07, 42.35, 38.43)  # around the bundled places
    body = basemap.basemap_bytes(box)
    geo = json.loads(body)
    kinds = {f["properties"]["kind"]: f["geometry"] for f in geo["features"]}
    assert set(kinds) == {"land", "coast", "border"}
    points = [p for line in kinds["coast"]["coordinates"] for p in line]
    assert all(box[0] <= x <= box[2] and box[1] <= y <= box[3] for x, y in points)
    # the Syrian coast between Tartus and Latakia lies near 35.8-35.95 E
    assert any(35.7 < x < 36.0 and 34.9 < y < 35.6 for x, y in points)
    assert len(gzip.compress(body)) < 150_000
    assert "Natural Earth" in geo["attribution"]
