"""Accessibility: axe-core on every page a reader opens, keyboard use of the map, the slider's
spoken value, and the filters (side, event type, place search) of `/` and `/embed`.

axe-core comes from npm (devDependency, `npm ci`); it is injected by Playwright, never served
by the app. A page passes with no `serious` or `critical` violation.
"""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from .liveserver import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAST = "2024-12-08"


def wait_map(page, day: str | None = None) -> None:
    page.wait_for_selector(f'#map[data-date="{day}"]' if day else "#map[data-date]", timeout=10_000)


@pytest.fixture
def axe_page(browser):
    """A page whose CSP lets Playwright add axe's <script> (the app's own CSP is tested elsewhere)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    yield context.new_page()
    context.close()


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']})""")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                                                                   else str(n["target"]) for n in v["nodes"][:4])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _answers(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read(4000).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""


PAGES = {
    "dashboard": ("/?date=2024-12-07", True),
    "dashboard-filtered": ("/?date=2024-12-07&side=moc&type=capture&q=Halep", True),
    "embed": ("/embed?date=2024-12-07", True),
    "events": ("/events?date=2024-12-07", False),
    "source": ("/sources/{source}", False),
    "event": ("/events/{event}", False),
    "compare": ("/compare?from=2024-11-26&to=2024-12-08", "#cmp-map[data-ready]"),
    "table": ("/table?date=2024-12-07", False),
    "arabic": ("/?lang=ar&date=2024-12-07", True),
}


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)")
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_axe_violations(axe_page, live_server, name):
    page = axe_page
    path, has_map = PAGES[name]
    if "{source}" in path:
        source = sorted((ROOT / "data" / "articles").glob("*.txt"))[0].stem
        path = path.format(source=source)
    if "{event}" in path:
        with urllib.request.urlopen(f"{live_server}/api/events.json?to=2024-12-07", timeout=10) as r:
            import json
            body = json.load(r)
        path = (body["events"] if isinstance(body, dict) else body)[0]["page"]
    status, head = _answers(live_server + path)
    if name == "table" and status == 404:
        pytest.skip("/table is not on this branch yet (the coordinator's table view)")
    if name == "arabic" and '<html lang="ar"' not in head:
        pytest.skip("the Arabic interface (/?lang=ar) is not built yet: the page does not answer with <html lang=\"ar\">")
    assert status == 200, f"{path}: HTTP {status}"
    page.goto(live_server + path)
    if has_map:
        page.wait_for_selector(has_map if isinstance(has_map, str) else "#map[data-date]", timeout=10_000)
    assert axe_violations(page) == []


def test_axe_finds_what_it_should(axe_page, live_server):
    """The check can fail: a page with an unlabelled button inside a link is reported."""
    page = axe_page
    page.goto(f"{live_server}/events?date=2024-12-07")
    page.evaluate("""() => { const a = document.querySelector('a'); const b = document.createElement('button');
                             a.append(b); }""")
    ids = {v.split(" ")[0] for v in axe_violations(page)}
    assert {"nested-interactive", "button-name"} & ids


def test_markers_reachable_by_keyboard_and_enter_opens_the_popup(page, live_server):
    page.goto(f"{live_server}/?date={LAST}")
    wait_map(page, LAST)
    aleppo = page.locator('#map path[data-place="aleppo"]')
    assert aleppo.get_attribute("tabindex") == "0" and aleppo.get_attribute("role") == "button"
    assert aleppo.get_attribute("aria-label").startswith("Aleppo: Held by")
    # Tab from the map itself reaches a marker
    page.locator("#map").focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#map path[data-place]')"):
            break
    else:
        pytest.fail("no marker reached with Tab from the map")
    aleppo.focus()
    outline = page.evaluate("""() => getComputedStyle(document.activeElement).strokeWidth""")
    assert outline == "4px"  # focus is visible: a thick dark ring
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup .pp h3")
    assert page.locator(".leaflet-popup .pp h3").inner_text().startswith("Aleppo")
    assert "place=aleppo" in page.url


def test_slider_announces_the_date_and_the_number_of_changes(page, live_server):
    page.goto(f"{live_server}/?date=2024-12-07")
    wait_map(page, "2024-12-07")
    slider = page.locator("#slider")
    changes = int(page.locator("#tl-days option[data-date='2024-12-07']").get_attribute("data-changes"))
    assert changes > 1
    assert slider.get_attribute("aria-valuetext") == f"Saturday 7 December 2024, {changes} changes"
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_map(page, LAST)
    n = int(page.locator(f"#tl-days option[data-date='{LAST}']").get_attribute("data-changes"))
    assert slider.get_attribute("aria-valuetext") == f"Sunday 8 December 2024, {n} change{'s' if n != 1 else ''}"


# ---- filters and search ------------------------------------------------------------------------

def dimmed(page) -> set[str]:
    return set(page.evaluate("""() => [...document.querySelectorAll('#map path.dim')].map(p => p.dataset.place)"""))


def bright(page) -> set[str]:
    return set(page.evaluate(
        """() => [...document.querySelectorAll('#map path[data-place]:not(.dim)')].map(p => p.dataset.place)"""))


@pytest.mark.parametrize("query", ["حلب", "Алепо", "Halep", "aleppo"])
def test_search_in_any_script_jumps_to_aleppo(page, live_server, query):
    page.goto(f"{live_server}/?date={LAST}")
    wait_map(page, LAST)
    assert not dimmed(page)
    page.locator("input[name=q]").fill(query)
    page.wait_for_selector(".leaflet-popup .pp h3")
    assert page.locator(".leaflet-popup .pp h3").inner_text().startswith("Aleppo")
    page.wait_for_url(lambda u: "place=aleppo" in u and "q=" in u)
    assert "aleppo" in bright(page) and "damascus" in dimmed(page)
    places = set(page.locator("#panel .events .pl").evaluate_all("els => els.map(e => e.dataset.place)"))
    assert places and places <= {"aleppo", "aleppo-international-airport"}
    assert page.locator("#panel .ftag").inner_text().endswith("match")


def test_side_and_type_filters_dim_markers_filter_events_and_stay_in_the_url(page, live_server):
    page.goto(f"{live_server}/?date={LAST}")
    wait_map(page, LAST)
    page.locator("select[name=side]").select_option("gov")
    page.wait_for_url(lambda u: "side=gov" in u)
    page.wait_for_selector("#map path.dim")
    sides = page.evaluate("""() => [...document.querySelectorAll('#map path[data-place]:not(.dim)')]
                                      .map(p => p.dataset.side)""")
    assert sides and set(sides) == {"gov"}  # only what the government holds (or challenges) stays bright
    assert "q=" not in page.url and "type=" not in page.url  # unset filters stay out of the URL
    page.locator("select[name=type]").select_option("capture")
    page.wait_for_url(lambda u: "type=capture" in u)
    page.wait_for_selector("#panel .events h2 .ftag")
    types = page.locator("#panel .events li > a:nth-of-type(2)").all_inner_texts()
    assert set(types) <= {"capture"}
    # the slider keeps the filters; a reload and the embed honour them
    page.locator("#slider").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(lambda u: "date=2024-12-07" in u and "side=gov" in u and "type=capture" in u)
    assert page.locator("#share-link").input_value().endswith("side=gov&type=capture") or \
        "side=gov" in page.locator("#share-link").input_value()
    page.reload()
    wait_map(page, "2024-12-07")
    assert page.locator("select[name=side]").input_value() == "gov"
    assert dimmed(page)
    page.goto(f"{live_server}/embed?date=2024-12-07&side=gov")
    wait_map(page, "2024-12-07")
    assert dimmed(page) and {page.evaluate("(id) => document.querySelector(`#map path[data-place=\"${id}\"]`).dataset.side", p)
                             for p in bright(page)} == {"gov"}
    assert not [e for e in page.console_errors if "/tiles/" not in e]


@pytest.mark.parametrize("query, name", [("side=nobody", "side"), ("type=massacre", "type"), ("q=" + "x" * 101, "q")])
@pytest.mark.parametrize("path", ["/", "/embed", "/events"])
def test_bad_filter_is_a_422_naming_it(live_server, path, query, name):
    try:
        urllib.request.urlopen(f"{live_server}{path}?{query}", timeout=10)
    except urllib.error.HTTPError as e:
        assert e.code == 422 and f'"{name}"' in e.read().decode()
    else:
        pytest.fail(f"{path}?{query} was accepted")
