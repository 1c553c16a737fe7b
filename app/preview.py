"""The share card of a day: a 1200×630 PNG of the map, legend, date and title, drawn with Pillow.

Pure: it takes the day's GeoJSON collection (as /api/control.geojson serves it) and the offline
basemap, and returns PNG bytes. No browser is involved, so it is cheap enough for a request path
(and the route caches it per date and data version).
"""
from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from . import i18n
from .i18n import gettext as _

WIDTH, HEIGHT = 1200, 630
PANEL = 330  # the legend's column on the right
HEADER = 78
SEA, LAND, COAST, BORDER = "#d6e4ec", "#f3f0e8", "#7f9fb3", "#9d8f9b"
RIVER, ADMIN1 = "#6a9ec4", "#cfc6cd"
LINES = {"coast": (COAST, 1), "border": (BORDER, 2), "river": (RIVER, 2), "admin1": (ADMIN1, 1)}
INK, MUTED, FAINT = "#15191d", "#4d5761", "#9aa3ab"
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")


@lru_cache(maxsize=16)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans when the system has it (Latin, Greek, Cyrillic, Arabic glyphs), else Pillow's own."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _merc(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


class Frame:
    """Web Mercator fitted to a lon/lat box inside a pixel rectangle, keeping the aspect ratio."""

    def __init__(self, box: tuple[float, float, float, float], rect: tuple[int, int, int, int]):
        west, south, east, north = box
        x0, y0, x1, y1 = rect
        kx = (x1 - x0) / max(math.radians(east - west), 1e-9)
        ky = (y1 - y0) / max(_merc(north) - _merc(south), 1e-9)
        self.k = min(kx, ky)
        cx, cy = math.radians((west + east) / 2), (_merc(north) + _merc(south)) / 2
        self.ox = (x0 + x1) / 2 - cx * self.k
        self.oy = (y0 + y1) / 2 + cy * self.k

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return self.ox + math.radians(lon) * self.k, self.oy - _merc(lat) * self.k


def places_box(features: list[dict], pad: float = 0.12) -> tuple[float, float, float, float]:
    lons = [f["geometry"]["coordinates"][0] for f in features] or [0.0]
    lats = [f["geometry"]["coordinates"][1] for f in features] or [0.0]
    w, e, s, n = min(lons), max(lons), min(lats), max(lats)
    dx, dy = max((e - w) * pad, 0.3), max((n - s) * pad, 0.3)
    return w - dx, s - dy, e + dx, n + dy


def _radius(props: dict) -> float:
    pop = props.get("population") or 0
    if pop:
        return max(4.0, min(14.0, 2.2 * math.log10(pop) - 4))
    return {"city": 8.0, "town": 6.0}.get(props.get("kind"), 4.5)


def _draw_basemap(draw: ImageDraw.ImageDraw, geo: dict | None, frame: Frame) -> None:
    for feature in (geo or {}).get("features", []):
        kind, geometry = feature["properties"].get("kind"), feature["geometry"]
        if kind in ("land", "lake"):
            for polygon in geometry["coordinates"]:
                for i, ring in enumerate(polygon):
                    fill = (LAND if i == 0 else SEA) if kind == "land" else (SEA if i == 0 else LAND)
                    draw.polygon([frame(x, y) for x, y in ring], fill=fill, outline=COAST if kind == "lake" else None)
        elif kind in LINES and geometry.get("type") == "MultiLineString":
            colour, width = LINES[kind]
            for line in geometry["coordinates"]:
                draw.line([frame(x, y) for x, y in line], fill=colour, width=width)


def _marker(draw: ImageDraw.ImageDraw, xy: tuple[float, float], props: dict) -> None:
    x, y = xy
    r = _radius(props)
    colour = props.get("colour") or "#ffffff"
    status = props.get("status")
    stale = props.get("freshness") == "last_known" or status == "baseline"
    box = (x - r, y - r, x + r, y + r)
    if status == "withdrawn":
        draw.ellipse(box, fill="#ffffff", outline=INK, width=2)
    elif stale:  # last known: hollow, the holder's colour as a ring only
        draw.ellipse(box, fill="#ffffff", outline=colour, width=3)
    else:
        draw.ellipse(box, fill=colour, outline="#ffffff", width=1)
    if status == "contested" and props.get("challenger_colour"):
        ring = (x - r - 3, y - r - 3, x + r + 3, y + r + 3)
        draw.ellipse(ring, outline=props["challenger_colour"], width=3)


def legend_rows(collection: dict) -> list[tuple[str | None, str, str]]:
    """(colour, label, count text) for each side holding places, then contested and withdrawn."""
    rows = []
    for side in collection.get("sides", []):
        reported, last_known = side.get("reported"), side.get("last_known")
        count = (reported or 0) + (last_known or 0) if reported is not None else side.get("count", 0)
        if not count:
            continue
        text = _("%(num)s reported") % {"num": i18n.number(reported if last_known else reported or count)}
        if last_known:
            text += _(", ") + _("%(num)s last known") % {"num": i18n.number(last_known)}
        rows.append((side.get("colour"), i18n.side_name(side, short=True) or side.get("name") or "", text))
    statuses = collection.get("statuses") or {}
    if statuses.get("contested"):
        rows.append((None, _("Contested"), i18n.number(statuses["contested"])))
    if statuses.get("withdrawn"):
        rows.append((None, _("No holder named"), i18n.number(statuses["withdrawn"])))
    return rows


def render(collection: dict, basemap: dict | None, title: str, when: str, footer: str = "") -> bytes:
    """The PNG share card of one day's collection."""
    image = Image.new("RGB", (WIDTH, HEIGHT), SEA)
    draw = ImageDraw.Draw(image)
    features = [f for f in collection.get("features", []) if f.get("geometry")]
    map_rect = (16, HEADER + 8, WIDTH - PANEL - 16, HEIGHT - 16)
    frame = Frame(places_box(features), map_rect)
    _draw_basemap(draw, basemap, frame)
    for f in sorted(features, key=lambda f: -_radius(f["properties"])):
        lon, lat = f["geometry"]["coordinates"][:2]
        _marker(draw, frame(lon, lat), f["properties"])
    labelled = sorted(features, key=lambda f: -(f["properties"].get("population") or 0))[:8]
    taken: list[tuple[float, float, float, float]] = []
    for f in labelled:
        x, y = frame(*f["geometry"]["coordinates"][:2])
        name = i18n.place_name(f["properties"])
        left, top, right, bottom = draw.textbbox((x + 10, y - 9), name, font=font(15, True))
        if any(left < b[2] and b[0] < right and top < b[3] and b[1] < bottom for b in taken):
            continue
        taken.append((left, top, right, bottom))
        draw.text((x + 10, y - 9), name, font=font(15, True), fill=INK, stroke_width=2, stroke_fill="#ffffff")
    # header and legend column
    draw.rectangle((0, 0, WIDTH, HEADER), fill="#ffffff")
    draw.text((20, 12), title, font=font(28, True), fill=INK)
    draw.text((20, 48), when, font=font(20), fill=MUTED)
    draw.rectangle((WIDTH - PANEL, HEADER, WIDTH, HEIGHT), fill="#ffffff")
    draw.line((0, HEADER, WIDTH, HEADER), fill=FAINT, width=1)
    x0, y = WIDTH - PANEL + 20, HEADER + 18
    draw.text((x0, y), _("Who held each place"), font=font(18, True), fill=INK)
    y += 34
    for colour, label, count in legend_rows(collection)[:12]:
        if colour:
            draw.ellipse((x0, y + 3, x0 + 14, y + 17), fill=colour)
        else:
            draw.ellipse((x0, y + 3, x0 + 14, y + 17), fill="#ffffff", outline=INK, width=2)
        draw.text((x0 + 24, y), label, font=font(16), fill=INK)
        draw.text((x0 + 24, y + 18), count, font=font(13), fill=MUTED)
        y += 36  # 12 rows end above the footer
    draw.text((x0, HEIGHT - 60), _("Hollow: last known, not recently reported"), font=font(12), fill=MUTED)
    if footer:
        draw.text((x0, HEIGHT - 36), footer, font=font(12), fill=MUTED)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
