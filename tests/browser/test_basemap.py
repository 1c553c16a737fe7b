"""The offline basemap in a real browser with no network: land, coast, borders, rivers and
first-level boundaries under the markers; tiles on top only when they load, credited only then,
and a notice when they fail."""
from __future__ import annotations

import base64
import csv
import io
import math

import pytest
from PIL import Image

from .liveserver import ROOT, build_database, running_server

DAY = "2024-12-08"
SEA = (35.0, 35.3)     # the Mediterranean off Tartus
LAND = (33.0, 40.0)    # the Syrian desert, no place nearby
# 1x1 opaque PNG (#808080), a tile source that loads without any network
GREY_PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763"
    "6868680000030401812c2f9b0f0000000049454e44ae426082")).decode()


def _open(page, base):
    page.goto(f"{base}/?date={DAY}")
    page.wait_for_selector(f'#map[data-date="{DAY}"]', timeout=10_000)


def _centre(page, place: str) -> tuple[float, float]:
    box = page.locator(f'#map path[data-place="{place}"]').bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _places(*ids: str) -> dict[str, tuple[float, float]]:
    out = {}
    with open(ROOT / "data" / "places.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["id"] in ids:
                out[row["id"]] = (float(row["lat"]), float(row["lon"]))
    return out


def _xy(page, latlon) -> tuple[float, float]:
    """Where a lat/lon is on the page, located from two markers (Web Mercator is linear in lon
    and in the Mercator y of lat), so the test needs no handle on the page's map object."""
    refs = _places("aleppo", "daraa")
    (lat1, lon1), (lat2, lon2) = refs["aleppo"], refs["daraa"]
    (x1, y1), (x2, y2) = _centre(page, "aleppo"), _centre(page, "daraa")
    lat, lon = latlon
    x = x1 + (lon - lon1) * (x2 - x1) / (lon2 - lon1)
    y = y1 + (_merc(lat) - _merc(lat1)) * (y2 - y1) / (_merc(lat2) - _merc(lat1))
    return x, y


def _pixel(page, shot: bytes, latlon) -> tuple[int, int, int]:
    """The screenshot's colour at a lat/lon."""
    x, y = _xy(page, latlon)
    return Image.open(io.BytesIO(shot)).convert("RGB").getpixel((round(x), round(y)))


def test_offline_basemap_draws_coast_and_borders_under_markers(page, live_server):
    _open(page, live_server)
    page.wait_for_selector("#map.has-basemap", timeout=10_000)
    assert page.locator("#map path.bm-coast").count() > 0
    assert page.locator("#map path.bm-border").count() > 0
    assert page.locator("#map path.bm-land").count() > 0
    # basemap below the markers: its pane stacks under the overlay pane
    z = page.evaluate("() => [getComputedStyle(document.querySelector('.leaflet-basemap-pane')).zIndex,"
                      " getComputedStyle(document.querySelector('.leaflet-overlay-pane')).zIndex]")
    assert int(z[0]) < int(z[1])
    credit = page.locator(".leaflet-control-attribution").inner_text()
    assert "Natural Earth" in credit and "OpenStreetMap" not in credit
    assert page.locator(".tile-notice").count() == 0
    page.mouse.move(0, 0)
    shot = page.screenshot()
    sea, land = _pixel(page, shot, SEA), _pixel(page, shot, LAND)
    assert sea[2] > sea[0] + 15, f"sea should be blue-grey, got {sea}"
    assert land[0] >= land[2], f"land should be warm, got {land}"
    assert page.console_errors == []


def _water(rgb) -> bool:
    """River blue (#6a9ec4), or its antialiased blend with the warm land: blue well above red."""
    r, g, b = rgb
    return b > r + 30 and b >= g


def test_offline_basemap_draws_the_euphrates_and_governorate_boundaries(page, live_server):
    _open(page, live_server)
    page.wait_for_selector("#map.has-basemap", timeout=10_000)
    assert page.locator("#map path.bm-river").count() > 0
    assert page.locator("#map path.bm-lake").count() > 0
    assert page.locator("#map path.bm-admin1").count() > 0
    # the approximate areas tint what is under them: switch them off, and wait until they are gone
    toggle = page.locator("#areas-toggle")
    if toggle.count():
        toggle.uncheck()
        page.wait_for_function("() => !document.querySelector('#map path.area')", timeout=10_000)
    # a point of the river as served, the one nearest the middle of Raqqa and Deir ez-Zor
    places = _places("raqqa", "deir-ez-zor")
    (lat1, lon1), (lat2, lon2) = places["raqqa"], places["deir-ez-zor"]
    mid = ((lon1 + lon2) / 2, (lat1 + lat2) / 2)
    geo = page.request.get(f"{live_server}/basemap.geojson").json()
    river = next(f["geometry"] for f in geo["features"] if f["properties"]["kind"] == "river")
    lon, lat = min((p for line in river["coordinates"] for p in line),
                   key=lambda p: (p[0] - mid[0]) ** 2 + (p[1] - mid[1]) ** 2)
    assert min(lon1, lon2) < lon < max(lon1, lon2), "the river passes between the two places"
    page.mouse.move(0, 0)
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    x, y = (round(v) for v in _xy(page, (lat, lon)))
    # the stroke is 1.6 px wide: look within 3 px of the point (marker positions round to a pixel)
    near = [image.getpixel((x + dx, y + dy)) for dx in range(-3, 4) for dy in range(-3, 4)]
    assert any(_water(c) for c in near), f"no water-coloured pixel near the Euphrates at {lon},{lat}: {near[24]}"
    # and the desert 40 km south of it is land, not water
    x, y = (round(v) for v in _xy(page, (lat - 0.4, lon)))
    assert not any(_water(image.getpixel((x + dx, y + dy))) for dx in range(-3, 4) for dy in range(-3, 4))
    assert page.console_errors == []


@pytest.fixture(scope="module")
def failing_tiles_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tiles-fail")
    with running_server(build_database(tmp / "t.db"), log=tmp / "uvicorn.log",
                        tile_url="/tiles/{z}/{x}/{y}.png") as base:
        yield base


def test_failing_tiles_show_a_notice_and_no_credit(page, failing_tiles_server):
    _open(page, failing_tiles_server)
    notice = page.locator(".tile-notice")
    notice.wait_for(timeout=10_000)
    assert "offline basemap" in notice.inner_text()
    assert "OpenStreetMap" not in page.locator(".leaflet-control-attribution").inner_text()
    assert [e for e in page.console_errors if "/tiles/" not in e] == []


@pytest.fixture(scope="module")
def loading_tiles_server(tmp_path_factory, monkeypatch_module):
    tmp = tmp_path_factory.mktemp("tiles-ok")
    monkeypatch_module.setenv("TILE_ATTRIBUTION", "Test tiles")
    with running_server(build_database(tmp / "t.db"), log=tmp / "uvicorn.log",
                        tile_url=f"data:image/png;base64,{GREY_PNG}") as base:
        yield base


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_tiles_that_load_are_credited_and_drawn_on_top(page, loading_tiles_server):
    _open(page, loading_tiles_server)
    page.wait_for_function("() => document.querySelector('.leaflet-control-attribution')"
                           ".textContent.includes('Test tiles')", timeout=10_000)
    assert page.locator(".tile-notice").count() == 0
    # Leaflet fades tiles in (opacity transition); wait until every tile is loaded and opaque,
    # then allow a few levels of rounding from the compositor (CI once read 129 for 128).
    page.wait_for_function(
        "() => { const t = [...document.querySelectorAll('.leaflet-tile')];"
        " return t.length > 0 && t.every(e => e.classList.contains('leaflet-tile-loaded')"
        " && getComputedStyle(e).opacity === '1'"
        " && getComputedStyle(e.parentElement).opacity === '1'); }", timeout=10_000)
    page.wait_for_timeout(300)
    shot = page.screenshot()
    pixel = _pixel(page, shot, LAND)
    # the grey tile covers the (warm) basemap
    assert all(abs(c - 128) <= 3 for c in pixel), f"expected the grey tile, got {pixel}"

