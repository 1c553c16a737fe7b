"""The large map (canvas mode, above 1,000 places) behaves like the small one for filters and
keyboard: a filter dims the markers it leaves out (their style, as the renderer draws them) and a
cleared filter brings them back; the keyboard alone reaches a marker, announces it and opens its
popup with its sources (static/tidemark-large.js)."""
from __future__ import annotations

import pytest

from .liveserver import api_json, synthetic_server
from .test_accessibility import AXE, axe_page, axe_violations  # noqa: F401 (a fixture)


DAY = "2030-06-01"
SLOW = 30_000  # ms: a shared 2-core machine


@pytest.fixture(scope="module")
def canvas_server(tmp_path_factory):
    with synthetic_server(tmp_path_factory.mktemp("scale-keys"), places=1100, events=3000, articles=30) as base:
        yield base


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(f'#map[data-date="{DAY}"][data-canvas]', timeout=SLOW)
    assert page.locator("#map path.leaflet-interactive").count() == 0  # canvas markers, no SVG nodes
    # every canvas marker's place id, found by its coordinates in /api/places.json (ids are not on the layers)
    page.evaluate("""async () => {
      const rows = (await (await fetch('/api/places.json')).json()).places, at = new Map();
      rows.forEach(r => { const k = r[4] + ',' + r[3]; at.set(k, at.has(k) ? null : r[0]); });
      window.markerIds = () => Object.values(tidemarkLarge.renderer._layers).map(m => {
        const ll = m.getLatLng(); return [at.get(ll.lat + ',' + ll.lng), m];
      }).filter(e => e[0]);
    }""")


# The styles of static/tidemark.js draw a marker's outline at opacity 0.6 or more and its fill at
# 0.18 or more; dimmed, both are 15 % of that: an outline at 0.15 or less.
LOOKS = """() => {
  const out = {bright: [], dim: [], odd: []};
  markerIds().forEach(([id, m]) => {
    const o = m.options;
    (o.opacity >= 0.6 && o.fillOpacity >= 0.18 ? out.bright : o.opacity <= 0.15 && o.fillOpacity < 0.15 ? out.dim : out.odd).push(id);
  });
  const h = document.querySelector('[data-match]');
  out.match = h ? h.dataset.match.split(' ') : null;
  out.date = h ? h.closest('[data-date]').dataset.date : null;
  return out;
}"""

INK = """() => {  /* the canvas's total alpha: how much the markers cover, as drawn */
  const c = tidemarkLarge.renderer._container, d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let s = 0; for (let i = 3; i < d.length; i += 4) s += d[i]; return s;
}"""


def _dims_follow_the_filter(page, day: str) -> dict:
    """Wait until the markers' styles agree with the panel's list of matching places for `day`."""
    page.wait_for_function(f"""() => {{
      const s = ({LOOKS})(), m = new Set(s.match || []);
      return s.match && s.date === '{day}' && s.dim.length && !s.odd.length &&
        s.bright.every(id => m.has(id)) && s.dim.every(id => !m.has(id));
    }}""", timeout=SLOW)
    return page.evaluate(LOOKS)


def test_a_filter_dims_canvas_markers_and_clearing_it_undims_them(page, canvas_server):
    _open(page, f"{canvas_server}/?date={DAY}")
    looks = page.evaluate(LOOKS)
    assert looks["match"] is None and not looks["dim"] and not looks["odd"] and len(looks["bright"]) > 1000
    ink = page.evaluate(INK)

    page.locator("select[name=side]").select_option("sdf")
    page.wait_for_url(lambda u: "side=sdf" in u)
    looks = _dims_follow_the_filter(page, DAY)
    assert looks["bright"] and len(looks["dim"]) > 2 * len(looks["bright"])  # sdf holds a quarter of the places
    # the matching places are the ones the side holds or challenges (the state the map computed)
    state = {f["id"]: f["properties"] for f in api_json(canvas_server, f"/api/control.geojson?date={DAY}")["features"]}
    assert all("sdf" in (state[i]["side"], state[i]["challenger"]) for i in looks["bright"])
    assert not any("sdf" in (state[i]["side"], state[i]["challenger"]) for i in looks["dim"])
    # drawn so: the canvas holds far less ink (the renderer draws the dimmed style), labels of dimmed places hide
    page.wait_for_function(f"() => ({INK})() < {ink} * 0.6", timeout=SLOW)
    assert page.locator(".lbl.dim").count() > 0

    # a slider step restyles the markers whose state changed; the filter dims them again
    page.locator("#slider").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_selector('#map[data-date="2030-06-02"]', timeout=SLOW)
    _dims_follow_the_filter(page, "2030-06-02")

    page.locator("select[name=side]").select_option("")
    page.wait_for_url(lambda u: "side=" not in u)
    page.wait_for_function(f"() => {{ const s = ({LOOKS})(); return !s.match && !s.dim.length && !s.odd.length; }}",
                           timeout=SLOW)
    page.wait_for_function(f"() => ({INK})() > {ink} * 0.9", timeout=SLOW)
    assert page.locator(".lbl.dim").count() == 0
    assert not page.console_errors


def _focused(page) -> dict:
    """The focused place: its id, position, what the live region said; once the focus ring is drawn
    over it (a pan to it may still be running)."""
    page.wait_for_function("""() => {
      const box = document.getElementById('map'), id = box.dataset.focus, ring = box.querySelector('path.map-focus');
      if (!id || !ring) return false;
      const m = markerIds().find(e => e[0] === id)[1], p = tidemarkLarge.renderer._map.latLngToContainerPoint(m.getLatLng());
      const r = ring.getBoundingClientRect(), b = box.getBoundingClientRect();
      return Math.abs(r.left + r.width / 2 - b.left - p.x) <= 2 && Math.abs(r.top + r.height / 2 - b.top - p.y) <= 2;
    }""", timeout=SLOW)
    return page.evaluate("""() => {
      const box = document.getElementById('map'), id = box.dataset.focus, ll = markerIds().find(e => e[0] === id)[1].getLatLng();
      return {id, lat: ll.lat, lon: ll.lng, live: box.querySelector('.map-live').textContent};
    }""")


def test_keyboard_alone_reaches_a_canvas_marker_announces_it_and_opens_its_popup(page, canvas_server):
    _open(page, f"{canvas_server}/?date={DAY}")
    box = page.locator("#map")
    assert box.get_attribute("role") == "application" and box.get_attribute("aria-label") == "Map: who held each place"
    assert "Arrow keys move between places" in page.locator("#" + box.get_attribute("aria-describedby")).text_content()
    assert page.locator("#map .map-live").get_attribute("aria-live") == "polite"
    # Tab from the top of the page reaches the map (one tab stop, not 1,100)
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "map":
            break
    else:
        pytest.fail("the map was not reached with Tab")
    assert page.locator("#map path.map-focus").count() == 0  # no ring before a place is chosen

    page.keyboard.press("ArrowRight")  # the first press: the place nearest the centre
    page.wait_for_selector("#map path.map-focus", timeout=SLOW)
    first = _focused(page)
    name = api_json(canvas_server, f"/api/places/{first['id']}.geojson?date={DAY}")["properties"]["name"]
    assert first["live"].startswith(name + ": ") and ("Held by" in first["live"] or "Contested" in first["live"])

    moves = [("ArrowRight", lambda a, b: b["lon"] > a["lon"]), ("ArrowDown", lambda a, b: b["lat"] < a["lat"]),
             ("ArrowLeft", lambda a, b: b["lon"] < a["lon"]), ("ArrowUp", lambda a, b: b["lat"] > a["lat"])]
    now = first
    for key, ahead in moves:
        page.keyboard.press(key)
        page.wait_for_function("(id) => document.getElementById('map').dataset.focus !== id", arg=now["id"], timeout=SLOW)
        nxt = _focused(page)
        assert ahead(now, nxt), (key, now, nxt)  # the next place in that direction
        assert nxt["live"] != now["live"]
        now = nxt

    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup-content .srcs li", timeout=SLOW)
    popup = page.locator(".leaflet-popup-content")
    feature = api_json(canvas_server, f"/api/places/{now['id']}.geojson?date={DAY}")
    assert popup.locator("h3").inner_text().startswith(feature["properties"]["name"])
    assert popup.locator(".srcs li").count() == len(feature["properties"]["sources"])
    assert f"place={now['id']}" in page.url
    # Tab enters the popup: its sources link is reachable
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.leaflet-popup .srcs') && document.activeElement.matches('a[href]')"):
            break
    else:
        pytest.fail("no source link reached with Tab in the popup")
    page.keyboard.press("Escape")
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=SLOW)
    assert page.evaluate("document.activeElement.id") == "map"
    assert _focused(page)["id"] == now["id"]  # the keys go on from the same place
    page.keyboard.press("Space")
    page.wait_for_selector(".leaflet-popup-content h3", timeout=SLOW)
    page.keyboard.press("Escape")
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=SLOW)
    assert not page.console_errors


def test_keys_skip_the_places_a_filter_dims(page, canvas_server):
    _open(page, f"{canvas_server}/?date={DAY}&side=sdf")
    looks = _dims_follow_the_filter(page, DAY)
    match = set(looks["match"])
    page.locator("#map").focus()
    seen = set()
    for key in ["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"] * 2:
        page.keyboard.press(key)
        page.wait_for_selector("#map path.map-focus", timeout=SLOW)
        seen.add(page.locator("#map").get_attribute("data-focus"))
    assert seen and seen <= match, seen - match


def test_a_search_leaves_one_place_to_reach_and_says_when_there_is_no_other(page, canvas_server):
    _open(page, f"{canvas_server}/?date={DAY}")
    page.locator("input[name=q]").fill("Place 529")  # one place of the 1,100; the search opens its popup
    page.wait_for_selector(".leaflet-popup-content h3", timeout=SLOW)
    looks = _dims_follow_the_filter(page, DAY)
    assert looks["bright"] == ["p529"] and looks["match"] == ["p529"]
    page.locator("#map").focus()
    page.keyboard.press("Escape")  # closes the popup; the keys go on from its place
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=SLOW)
    for key in ("ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown"):
        page.keyboard.press(key)
        page.wait_for_function("() => document.querySelector('#map .map-live').textContent === "
                               "'No other place in that direction.'", timeout=SLOW)
        page.evaluate("() => { document.querySelector('#map .map-live').textContent = ''; }")
    assert page.locator("#map").get_attribute("data-focus") == "p529"
    page.wait_for_selector("#map path.map-focus", timeout=SLOW)  # the ring shows where the reader is


def test_arabic_names_the_map_and_its_keys(page, canvas_server):
    page.goto(f"{canvas_server}/?date={DAY}&lang=ar")
    page.wait_for_selector(f'#map[data-date="{DAY}"]', timeout=SLOW)
    box = page.locator("#map")
    assert box.get_attribute("role") == "application"
    assert "مفاتيح الأسهم" in page.locator("#map-keys").text_content()


def test_small_map_keeps_its_focusable_markers(page, live_server):
    page.goto(f"{live_server}/?date=2024-12-08")
    page.wait_for_selector("#map[data-date]", timeout=SLOW)
    assert page.locator("#map").get_attribute("role") == "region" and page.locator("#map .map-live").count() == 0
    assert page.locator('#map path[data-place][tabindex="0"]').count() > 50


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)")
def test_no_serious_axe_violation_on_the_large_map_with_a_focused_place(axe_page, canvas_server):  # noqa: F811
    page = axe_page
    page.goto(f"{canvas_server}/?date={DAY}")
    page.wait_for_selector(f'#map[data-date="{DAY}"]', timeout=SLOW)
    page.locator("#map").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#map path.map-focus", timeout=SLOW)
    assert axe_violations(page) == []
