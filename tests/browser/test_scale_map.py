"""The map at scale (1,200 generated places): canvas markers, each day computed in the browser
from /api/periods.json, a popup's sources fetched for its place only."""
from __future__ import annotations

import json

import pytest

from .liveserver import api_json, synthetic_server


@pytest.fixture(scope="module")
def scale_server(tmp_path_factory):
    with synthetic_server(tmp_path_factory.mktemp("scale-live"), places=1200, events=6000, articles=60) as base:
        yield base


def test_a_slider_step_fetches_no_map_data_and_a_popup_gets_its_sources(page, scale_server):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(scale_server + "/?date=2030-06-01")
    page.wait_for_selector('#map[data-date="2030-06-01"]', timeout=30000)
    assert page.locator("#map[data-canvas]").count() == 1
    assert page.locator("#map canvas").count() >= 1  # markers on a canvas, not 1,200 SVG nodes
    assert page.locator("#map path.leaflet-interactive").count() == 0
    assert any("/api/periods.json" in u for u in requests) and any("/api/places.json" in u for u in requests)
    assert not any("/api/control.geojson" in u for u in requests)

    requests.clear()
    page.focus("#slider")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector('#map[data-date="2030-06-02"]', timeout=30000)
    page.wait_for_timeout(400)
    map_data = [u for u in requests if any(k in u for k in ("/api/control", "/api/periods", "/api/places"))]
    assert map_data == [], map_data  # the day was computed from the periods already loaded

    day_links = '#panel .pl[data-place][href^="/?date=2030-06-02"]'  # the panel of the new day, swapped in
    page.wait_for_selector(day_links, timeout=30000)
    place = page.locator(day_links).first.get_attribute("data-place")
    feature = api_json(scale_server, f"/api/places/{place}.geojson?date=2030-06-02")
    page.locator(f'#panel .pl[data-place="{place}"]').first.click()
    page.wait_for_selector(".leaflet-popup-content .srcs li", timeout=30000)
    popup = page.locator(".leaflet-popup-content")
    assert feature["properties"]["name"] in popup.inner_text()
    assert popup.locator(".srcs li").count() == len(feature["properties"]["sources"])
    assert any(f"/api/places/{place}.geojson" in u for u in requests)


STATE_KEYS = ("name", "kind", "population", "governorate", "side", "side_name", "colour", "coalition", "status",
              "challenger", "challenger_name", "challenger_colour", "previous_side", "since", "until",
              "corroboration", "outlets", "languages", "single_source", "last_report", "age_days", "freshness",
              "proposed")


def test_the_browsers_days_are_the_geojsons(page, scale_server):
    """For several days, the state the browser computes for every one of the 1,200 places (from
    /api/periods.json) is the state /api/control.geojson serves: side named most by the day,
    status, coalition, freshness (reported / last known) and its age, sources, outlets, languages."""
    page.goto(scale_server + "/?date=2030-01-01")
    page.wait_for_selector('#map[data-date="2030-01-01"]', timeout=30000)
    # ask the large-map script to write each day it computes (a hidden element, no global)
    page.evaluate("() => { const p = document.createElement('pre'); p.id = 'map-state'; p.hidden = true;"
                  " document.body.append(p); }")
    days = page.evaluate("() => Array.from(document.querySelectorAll('#tl-days option'), o => o.dataset.date)")
    assert len(days) == 365
    seen = {"last_known": 0, "contested": 0, "corroborated": 0}
    for i in (3, 40, 151, 200, 364):
        day = days[i]
        page.evaluate("(i) => { const s = document.getElementById('slider'); s.value = String(i);"
                      " s.dispatchEvent(new Event('input', { bubbles: true })); }", i)
        page.wait_for_selector(f'#map[data-date="{day}"]', timeout=30000)
        page.wait_for_selector(f'#map-state[data-date="{day}"]', state="attached", timeout=30000)
        mine = json.loads(page.locator("#map-state").text_content())
        fc = api_json(scale_server, f"/api/control.geojson?date={day}")
        assert set(mine) == {f["id"] for f in fc["features"]}, day
        for f in fc["features"]:
            p = f["properties"]
            assert {k: mine[f["id"]][k] for k in STATE_KEYS} == {k: p[k] for k in STATE_KEYS}, (day, f["id"])
            seen["last_known"] += p["freshness"] == "last_known" and p["status"] != "baseline"
            seen["contested"] += p["status"] == "contested"
            seen["corroborated"] += p["corroboration"] > 1
    assert seen["last_known"] and seen["contested"] and seen["corroborated"]
    assert page.locator("#map path.leaflet-interactive").count() == 0  # still one canvas


@pytest.mark.parametrize("pixels", [True, False], ids=["pixels", "drawImage"])
def test_the_sprite_canvas_draws_the_marks_leaflets_circles_draw(page, scale_server, pixels):
    """Above 1,000 places the markers are copies of one small bitmap per look (static/tidemark-large.js),
    written as pixels (by default) or drawn with drawImage: either way the canvas they make is, pixel
    for pixel within a small tolerance, the one Leaflet's own circles (arc, fill, dashed stroke) make;
    there are far fewer looks than markers; a click on a marker still opens its popup (hit-testing is
    Leaflet's geometry)."""
    page.goto(scale_server + "/?date=2030-09-01")
    page.wait_for_selector('#map[data-date="2030-09-01"]', timeout=30000)
    out = page.evaluate("""(pixels) => {
      const r = tidemarkLarge.renderer, c = r._container, ctx = r._ctx;
      const grab = () => { r._redrawBounds = null; r._redraw(); return ctx.getImageData(0, 0, c.width, c.height).data; };
      if (r.pixels !== true) throw new Error('the pixel renderer is not the default');
      r.pixels = pixels;
      const sprites = grab(), looks = Object.keys(r._sprites).length;
      r.pixels = false;
      r._updateCircle = L.Canvas.prototype._updateCircle;  // Leaflet's own circles
      const circles = grab();
      delete r._updateCircle;
      r.pixels = true;
      grab();
      let drawn = 0, differ = 0;
      for (let i = 0; i < circles.length; i += 4) {
        if (circles[i + 3] || sprites[i + 3]) drawn++;
        let d = 0;
        for (let k = 0; k < 4; k++) d = Math.max(d, Math.abs(circles[i + k] - sprites[i + k]));
        if (d > 24) differ++;
      }
      return { looks, drawn, differ, markers: Object.keys(r._layers).length };
    }""", pixels)
    assert out["markers"] == 1200 and 2 <= out["looks"] <= 300, out
    assert out["drawn"] > 5000, out  # the markers cover many pixels
    assert out["differ"] <= out["drawn"] // 100, out  # and look as Leaflet draws them
    # a click on the canvas at a marker opens that marker's popup (found by geometry, not by pixels)
    point = page.evaluate("""() => {
      const r = tidemarkLarge.renderer, map = r._map, box = map.getContainer().getBoundingClientRect();
      let best = null;
      for (let o = r._drawLast; o && !best; o = o.prev) {  // the topmost marker inside the view
        const p = map.latLngToContainerPoint(o.layer.getLatLng());
        if (p.x > 60 && p.y > 60 && p.x < box.width - 60 && p.y < box.height - 60) best = p;
      }
      return { x: box.left + best.x, y: box.top + best.y };
    }""")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector(".leaflet-popup-content h3", timeout=30000)
