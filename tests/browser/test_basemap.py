"""The offline basemap in a real browser with no network: land, coast and borders under the
markers; tiles on top only when they load, credited only then, and a notice when they fail."""
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


def _pixel(page, shot: bytes, latlon) -> tuple[int, int, int]:
    """The screenshot's colour at a lat/lon, located from two markers (Web Mercator is linear in
    lon and in the Mercator y of lat), so the test needs no handle on the page's map object."""
    refs = {"aleppo": (36.20124, 37.16117), "daraa": None}
    with open(ROOT / "data" / "places.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["id"] in refs:
                refs[row["id"]] = (float(row["lat"]), float(row["lon"]))
    (lat1, lon1), (lat2, lon2) = refs["aleppo"], refs["daraa"]
    (x1, y1), (x2, y2) = _centre(page, "aleppo"), _centre(page, "daraa")
    lat, lon = latlon
    x = x1 + (lon - lon1) * (x2 - x1) / (lon2 - lon1)
    y = y1 + (_merc(lat) - _merc(lat1)) * (y2 - y1) / (_merc(lat2) - _merc(lat1))
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

