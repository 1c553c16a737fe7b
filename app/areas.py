"""Approximate areas of control, derived from towns: pure functions (shapely).

Method: the Voronoi cell of each place (the ground nearer to it than to any other place), cut to
the land of the countries the places lie in (Natural Earth, from app/basemap.py's source) and to a
disc of `REACH_KM` around the place, then dissolved by holder. The disc keeps a town's colour
from spreading over empty desert it says nothing about: ground farther than that from every place
stays blank. Places known only from the baseline or from stale reports give `last_known` areas,
which the map draws faint; contested places give `contested` areas. It is an approximation and is
labelled so everywhere; the points are the record.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.ops import unary_union

from . import basemap

REACH_KM = 50.0
SIMPLIFY_DEG = 0.005  # about 500 m
PRECISION = 3


def country_shapes(topo: dict, points: list[tuple[float, float]]) -> list[tuple[str, shapely.Geometry]]:
    """(name, polygon) of each country of a world-atlas topology that holds one of the points."""
    arcs = basemap.decode_arcs(topo)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    wanted = (min(xs), min(ys), max(xs), max(ys))
    out = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        polygons = []
        for polygon in basemap._polygons(geometry):
            rings = [basemap._ring(r, arcs) for r in polygon]
            if not rings or len(rings[0]) < 4 or not basemap._overlaps(basemap._bbox_of(rings[0]), wanted):
                continue
            polygons.append(shapely.make_valid(Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4])))
        if not polygons:
            continue
        shape = shapely.union_all(polygons)
        if any(shape.covers(Point(p)) for p in points):
            out.append(((geometry.get("properties") or {}).get("name", ""), shape))
    return out


@lru_cache(maxsize=4)
def _land(path: str, mtime_ns: int, points: tuple[tuple[float, float], ...]):
    shapes = country_shapes(json.loads(Path(path).read_text(encoding="utf-8")), list(points))
    return unary_union([s for _, s in shapes]) if shapes else None


# Natural Earth 1:50m is plenty for areas that are approximate by construction, and cuts in ~1 s.
LAND_SOURCE = basemap.SOURCE.with_name("countries-50m.json")


def installed_land(points: list[tuple[float, float]], source: Path = LAND_SOURCE):
    """The land of the countries holding the points, from the npm-installed data; None if absent."""
    try:
        mtime = source.stat().st_mtime_ns
    except OSError:
        return None
    return _land(str(source), mtime, tuple(sorted(points)))


def _disc(lon: float, lat: float, km: float) -> shapely.Geometry:
    """A circle of `km` around a point, as an ellipse in degrees (longitude shrinks with latitude)."""
    dlat = km / 111.2
    dlon = km / (111.2 * max(math.cos(math.radians(lat)), 0.05))
    return shapely.affinity.scale(Point(lon, lat).buffer(1.0, 32), dlon, dlat)


def area_class(props: dict) -> tuple[str, str | None]:
    """(group, side) a place's cell joins: reported or last-known holder, contested, or unknown."""
    status = props.get("status")
    if status == "contested":
        return "contested", props.get("side")
    if status == "withdrawn" or not props.get("side"):
        return "unknown", None
    stale = status == "baseline" or props.get("freshness") == "last_known"
    return ("last_known" if stale else "reported"), props.get("side")


def _rounded(geometry) -> dict:
    geometry = shapely.set_precision(geometry.simplify(SIMPLIFY_DEG, preserve_topology=True),
                                     10 ** -PRECISION)
    return mapping(geometry)


def areas(collection: dict, land=None, reach_km: float = REACH_KM) -> dict:
    """A FeatureCollection of (Multi)Polygons, one per holder and freshness, from a day's places;
    `land` (a shapely geometry) cuts the cells to the coast and borders when given."""
    features = [f for f in collection.get("features", []) if f.get("geometry")]
    points = {}
    for f in features:
        lon, lat = f["geometry"]["coordinates"][:2]
        points.setdefault((round(lon, 5), round(lat, 5)), f)  # one cell per location
    out = {"type": "FeatureCollection", "date": collection.get("date"), "approximate": True,
           "method": f"Voronoi cells of places, cut to the land of their countries and to {reach_km:g} km "
                     "around each place, dissolved by holder",
           "features": []}
    if not points:
        return out
    coords = list(points)
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    envelope = shapely.box(min(xs) - 5, min(ys) - 5, max(xs) + 5, max(ys) + 5)
    cells = shapely.voronoi_polygons(MultiPoint(coords), extend_to=envelope) if len(coords) > 1 \
        else shapely.GeometryCollection([envelope])
    groups: dict[tuple[str, str | None], list] = defaultdict(list)
    members: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    sides = {s["code"]: s for s in collection.get("sides", [])}
    tree_cells = list(cells.geoms)
    for (lon, lat), f in points.items():
        here = Point(lon, lat)
        cell = next((c for c in tree_cells if c.covers(here)), None)
        if cell is None:
            continue
        shape = cell.intersection(_disc(lon, lat, reach_km))
        if land is not None:
            shape = shape.intersection(land)
        if shape.is_empty:
            continue
        key = area_class(f["properties"])
        groups[key].append(shape)
        members[key].append(f["properties"]["id"])
    for (group, side), shapes in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        merged = unary_union(shapes)
        info = sides.get(side or "", {})
        out["features"].append({
            "type": "Feature",
            "geometry": _rounded(merged),
            "properties": {"group": group, "side": side, "side_name": info.get("name"),
                           "colour": info.get("colour") if group != "unknown" else None,
                           "coalition": info.get("coalition") if group in ("reported", "last_known")
                           else ("contested" if group == "contested" else "unknown"),
                           "places": sorted(members[(group, side)]), "approximate": True},
        })
    return out
