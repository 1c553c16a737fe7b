"""The large map's markers written as pixels (static/tidemark-large.js, above 1,000 places): the
canvas shows, at a marker, the colour of the side the browser computed for that day; a contested
place's dashed ring in its challenger's colour; a new colour after a slider step; the same marks
after a pan and a zoom. Pixels are read back from the canvas (`getImageData`), with a few levels of
tolerance, and every wait is on a state (the map's date, the pixel itself), not on time."""
from __future__ import annotations

import json
import math

import pytest

from .liveserver import api_json, synthetic_server


ZOOM = 10  # close enough that a marker's centre is not under another marker

# Canvas pixels at a place's marker (its centre plus offsets, in the renderer's own coordinates),
# and whether another drawn marker touches its disc (then the colours there are blends).
PIXEL_JS = """([lat, lon, dxs, dys]) => {
  const r = tidemarkLarge.renderer, m = L.Browser.retina ? 2 : 1, o = r._bounds.min;
  let me = null, covered = false;
  for (let e = r._drawFirst; e; e = e.next) {
    const ll = e.layer.getLatLng();
    if (Math.abs(ll.lat - lat) < 1e-9 && Math.abs(ll.lng - lon) < 1e-9) me = e.layer;
  }
  if (!me || !me._point) return null;
  for (let e = r._drawFirst; e; e = e.next) {  // another marker touching this one's disc
    const l = e.layer;
    if (l !== me && l._point && me._point.distanceTo(l._point) <=
        me._radius + l._radius + (me.options.weight || 0) + (l.options.weight || 0) + 2) covered = true;
  }
  const out = [];
  for (let k = 0; k < dxs.length; k++) {
    const x = Math.round(m * (me._point.x + dxs[k] - o.x)), y = Math.round(m * (me._point.y + dys[k] - o.y));
    out.push(Array.from(r._ctx.getImageData(x, y, 1, 1).data));
  }
  return { px: out, covered: covered, radius: me._radius, weight: me.options.weight, fill: me.options.fillColor,
           fillOpacity: me.options.fillOpacity, color: me.options.color };
}"""

WAIT_COLOUR_JS = """([lat, lon, rgb, tol]) => {
  const r = window.tidemarkLarge && tidemarkLarge.renderer;
  if (!r || !r._map) return false;
  const o = r._bounds.min, m = L.Browser.retina ? 2 : 1;
  for (let e = r._drawFirst; e; e = e.next) {
    const ll = e.layer.getLatLng();
    if (Math.abs(ll.lat - lat) < 1e-9 && Math.abs(ll.lng - lon) < 1e-9) {
      const p = e.layer._point;
      const d = r._ctx.getImageData(Math.round(m * (p.x - o.x)), Math.round(m * (p.y - o.y)), 1, 1).data;
      return d[3] > 200 && Math.abs(d[0] - rgb[0]) <= tol && Math.abs(d[1] - rgb[1]) <= tol && Math.abs(d[2] - rgb[2]) <= tol;
    }
  }
  return false;
}"""

TOL = 4  # levels per channel: the fill is 0.92 opaque, alone at the marker's centre


@pytest.fixture(scope="module")
def pixel_server(tmp_path_factory):
    with synthetic_server(tmp_path_factory.mktemp("scale-pixels"), places=1100, events=5500, articles=40) as base:
        yield base


def rgb(colour: str) -> list[int]:
    return [int(colour[i:i + 2], 16) for i in (1, 3, 5)]


def plain(p: dict) -> bool:
    """A marker whose centre is its side's colour at 0.92: held (not contested or withdrawn), recently reported."""
    return p["status"] not in ("contested", "withdrawn") and p["freshness"] == "reported" and bool(p["colour"])


def centre(page, f: dict) -> dict:
    lon, lat = f["geometry"]["coordinates"]
    return page.evaluate(PIXEL_JS, [lat, lon, [0], [0]])


def close(px: list[int], colour: list[int], tol: int = TOL) -> bool:
    return px[3] > 200 and all(abs(a - b) <= tol for a, b in zip(px, colour))


FIND_CHANGES_JS = """async () => {  // places whose solid fill changes colour from one day to the next
  const dates = Array.from(document.querySelectorAll('#tl-days option'), (o) => o.dataset.date), out = [];
  const solid = (p) => p.status !== 'withdrawn' && p.freshness === 'reported' && p.colour;
  let prev = await tidemarkLarge.day('', dates[0]);
  for (let i = 1; i < dates.length && out.length < 40; i++) {
    const cur = await tidemarkLarge.day('', dates[i]), before = new Map(prev.features.map((f) => [f.id, f.properties]));
    for (const f of cur.features) {
      const a = before.get(f.id), b = f.properties;
      if (a && solid(a) && solid(b) && a.colour !== b.colour) {
        out.push({ id: f.id, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1],
                   day: dates[i - 1], day2: dates[i], colour: a.colour, colour2: b.colour });
      }
    }
    prev = cur;
  }
  return out;
}"""


def test_markers_are_drawn_in_their_days_colours_and_change_with_a_step(page, pixel_server):
    page.goto(f"{pixel_server}/?date=2030-01-01")
    page.wait_for_selector('#map[data-date="2030-01-01"]', timeout=30000)
    assert page.locator("#map[data-canvas]").count() == 1
    candidates = page.evaluate(FIND_CHANGES_JS)  # the browser's own days (test_scale_map: = the GeoJSON's)
    assert candidates, "no place changes side between two reported days"

    checked = 0
    for c in candidates:
        lat, lon, day, day2 = c["lat"], c["lon"], c["day"], c["day2"]
        page.goto(f"{pixel_server}/?date={day}&lat={lat:.4f}&lon={lon:.4f}&zoom={ZOOM}")
        page.wait_for_selector(f'#map[data-date="{day}"]', timeout=30000)
        page.evaluate("() => { const p = document.createElement('pre'); p.id = 'map-state'; p.hidden = true;"
                      " document.body.append(p); }")
        first = page.evaluate(PIXEL_JS, [lat, lon, [0], [0]])
        if first is None or first["covered"]:
            continue  # another marker touches this one even at this zoom: try the next
        colour = rgb(c["colour"])
        page.wait_for_function(WAIT_COLOUR_JS, arg=[lat, lon, colour, TOL], timeout=30000)
        assert close(page.evaluate(PIXEL_JS, [lat, lon, [0], [0]])["px"][0], colour), (c, first)

        # one step of the slider: the browser computes the next day, the marker takes its new side's colour
        page.focus("#slider")
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(f'#map[data-date="{day2}"]', timeout=30000)
        page.wait_for_selector(f'#map-state[data-date="{day2}"]', state="attached", timeout=30000)
        state = json.loads(page.locator("#map-state").text_content())[c["id"]]
        assert state["colour"] == c["colour2"] != c["colour"]
        colour2 = rgb(state["colour"])
        page.wait_for_function(WAIT_COLOUR_JS, arg=[lat, lon, colour2, TOL], timeout=30000)
        px = page.evaluate(PIXEL_JS, [lat, lon, [0], [0]])["px"][0]
        assert close(px, colour2) and not close(px, colour, 0), (c, px)
        checked += 1
        if checked >= 2:
            break
    assert checked, "no candidate place was alone at its centre"


def test_a_contested_ring_and_the_marks_after_a_pan_and_a_zoom(page, pixel_server):
    day = "2030-08-01"
    fc = api_json(pixel_server, f"/api/control.geojson?date={day}")
    contested = [f for f in fc["features"] if f["properties"]["status"] == "contested" and not f["properties"]["proposed"]
                 and f["properties"]["challenger_colour"] and f["properties"]["colour"]]
    plain_ones = [f for f in fc["features"] if plain(f["properties"])]
    assert contested and plain_ones

    page.goto(f"{pixel_server}/?date={day}")  # the whole conflict at its own zoom
    page.wait_for_selector(f'#map[data-date="{day}"]', timeout=30000)
    assert page.locator("#map[data-canvas]").count() == 1
    drawn = page.evaluate("() => { const r = tidemarkLarge.renderer, c = r._container;"
                          " const d = r._ctx.getImageData(0, 0, c.width, c.height).data; let n = 0;"
                          " for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }")
    assert drawn > 5000  # 1,100 markers cover many pixels

    rings = 0
    for f in contested[:8]:
        lon, lat = f["geometry"]["coordinates"]
        # pan and zoom in on it: Leaflet resets the canvas, the renderer paints every marker again
        page.evaluate("([lat, lon, z]) => { tidemarkLarge.renderer._map.setView([lat, lon], z, { animate: false }); }",
                      [lat, lon, ZOOM])
        p = f["properties"]
        holder = rgb(p["colour"])
        ring = rgb(p["challenger_colour"])
        # the holder's fill at the centre (0.92, or 0.35 when last known; alone there at this zoom)
        angles = [k * 10 for k in range(36)]
        info = page.evaluate(PIXEL_JS, [lat, lon, [0], [0]])
        if info is None or info["covered"]:
            continue
        assert info["fill"].lower() == p["colour"].lower() and info["color"].lower() == p["challenger_colour"].lower()
        if p["freshness"] == "reported":
            page.wait_for_function(WAIT_COLOUR_JS, arg=[lat, lon, holder, TOL], timeout=30000)
        r = info["radius"]
        dxs = [r * math.cos(math.radians(a)) for a in angles]
        dys = [r * math.sin(math.radians(a)) for a in angles]
        on_ring = page.evaluate(PIXEL_JS, [lat, lon, dxs, dys])["px"]
        dashes = sum(close(px, ring, 40) for px in on_ring)
        gaps = sum(not close(px, ring, 40) for px in on_ring)
        # a dashed ring (4 on, 3 off): many samples in the challenger's colour, and some gaps
        assert dashes >= 8 and gaps >= 3, (f["id"], dashes, gaps, on_ring)
        rings += 1
        if rings >= 2:
            break
    assert rings, "no contested place was alone at its centre"

    # back to a plain place after the pan: its colour is where Leaflet now puts it
    for f in plain_ones[:10]:
        lon, lat = f["geometry"]["coordinates"]
        page.evaluate("([lat, lon, z]) => { tidemarkLarge.renderer._map.setView([lat, lon], z, { animate: false }); }",
                      [lat, lon, ZOOM + 1])
        info = page.evaluate(PIXEL_JS, [lat, lon, [0], [0]])
        if info is None or info["covered"]:
            continue
        page.wait_for_function(WAIT_COLOUR_JS, arg=[lat, lon, rgb(f["properties"]["colour"]), TOL], timeout=30000)
        return
    pytest.fail("no plain place was alone at its centre")


# The canvas's pixels as one list of numbers (a whole-canvas checksum is not enough to explain a failure).
CANVAS_JS = """() => { const r = tidemarkLarge.renderer, c = r._container;
  return Array.from(new Uint32Array(r._ctx.getImageData(0, 0, c.width, c.height).data.buffer)); }"""


def test_a_day_blended_ahead_paints_what_a_full_blend_paints(page, pixel_server):
    """After a step the next day (in the step's direction) is computed and blended in idle time; the
    step to it must show exactly the marks of a full blend of that day, and its prediction must have
    been right (the pixels blended ahead are the ones shown)."""
    page.goto(f"{pixel_server}/?date=2030-01-01")
    page.wait_for_selector('#map[data-date="2030-01-01"]', timeout=30000)
    days = page.evaluate("() => Array.from(document.querySelectorAll('#tl-days option')).map((o) => o.dataset.date)")
    hits = 0
    for i in range(1, 6):
        page.focus("#slider")
        # the day after the one shown is ready (its day computed, its pixels blended) before the step
        page.wait_for_function("""(d) => { const r = tidemarkLarge.renderer;
          if (!r._ready) return false; window.tmSaved = r._ready; return true; }""", arg=days[i], timeout=30000)
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(f'#map[data-date="{days[i]}"]', timeout=30000)
        page.wait_for_function("() => tidemarkLarge.renderer._ready !== window.tmSaved", timeout=30000)  # painted
        shown = page.evaluate(CANVAS_JS)
        # the pixels blended ahead are those on the canvas (in the box they cover)
        # (through a canvas of their own: a canvas keeps premultiplied colours, so what it gives back is rounded)
        used = page.evaluate("""() => { const r = tidemarkLarge.renderer, a = window.tmSaved, b = r._box, w = b[2] - b[0], h = b[3] - b[1];
          if (a.px.length !== w * h) return false;
          const c = document.createElement('canvas'), x = c.getContext('2d');
          c.width = w; c.height = h;
          x.putImageData(new ImageData(new Uint8ClampedArray(a.px.buffer.slice(0)), w, h), 0, 0);
          const want = new Uint32Array(x.getImageData(0, 0, w, h).data.buffer);
          const d = new Uint32Array(r._ctx.getImageData(b[0], b[1], w, h).data.buffer);
          return d.every((v, k) => v === want[k]); }""")
        hits += bool(used)
        # a full blend of the same day (what was blended ahead for the next day, if already, is kept)
        page.evaluate("() => { const r = tidemarkLarge.renderer, a = r._ready; r._ready = null; r._redraw(); r._ready = a; }")
        assert page.evaluate(CANVAS_JS) == shown, days[i]
    assert hits >= 4, hits  # (a marker dimmed or moved in between would make one miss; none here)
