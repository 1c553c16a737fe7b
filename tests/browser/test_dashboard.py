"""The four browser tests of the dashboard issue, plus keyboard, width and weight checks."""
from __future__ import annotations

import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

START, STEP_DAY = "2024-11-26", "2024-12-02"


def marker(page, place: str):
    return page.locator(f'#map path[data-place="{place}"]')


def wait_map(page, day: str) -> None:
    page.wait_for_selector(f'#map[data-date="{day}"]', timeout=10_000)


def fill_of(page, place: str) -> str:
    return (marker(page, place).get_attribute("fill") or "").lower()


def opposition_colours(side_colours, side_coalitions) -> set[str]:
    return {side_colours[c] for c, k in side_coalitions.items() if k == "opposition"}


def not_tile_errors(page) -> list[str]:
    return [e for e in page.console_errors if "/tiles/" not in e]


def test_slider_changes_marker_url_reload_and_back(page, live_server, side_colours, side_coalitions):
    page.goto(f"{live_server}/?date={START}")
    wait_map(page, START)
    assert fill_of(page, "aleppo") == side_colours["gov"]
    assert page.locator("#when").inner_text() == "Tuesday 26 November 2024"

    index = page.locator("#tl-days option[data-date='%s']" % STEP_DAY).get_attribute("value")
    page.locator("#slider").fill(index)  # one settled move of the slider
    wait_map(page, STEP_DAY)
    page.wait_for_url(re.compile(rf"[?&]date={STEP_DAY}"))
    assert fill_of(page, "aleppo") in opposition_colours(side_colours, side_coalitions)
    page.wait_for_function("() => document.title.includes('2 Dec 2024')")

    page.reload()
    wait_map(page, STEP_DAY)
    assert f"date={STEP_DAY}" in page.url
    assert page.locator("#slider").input_value() == index
    assert page.locator("#when").inner_text() == "Monday 2 December 2024"
    assert fill_of(page, "aleppo") in opposition_colours(side_colours, side_coalitions)

    page.go_back()
    page.wait_for_url(re.compile(rf"[?&]date={START}"))
    wait_map(page, START)
    assert fill_of(page, "aleppo") == side_colours["gov"]
    assert page.locator("#when").inner_text() == "Tuesday 26 November 2024"


def test_back_without_reload_restores_through_htmx(page, live_server, side_colours):
    page.goto(f"{live_server}/?date={START}")
    wait_map(page, START)
    page.evaluate("window.__sameDocument = true")
    page.locator("#slider").fill("6")
    wait_map(page, STEP_DAY)
    page.wait_for_url(re.compile(rf"date={STEP_DAY}"))
    page.go_back()
    page.wait_for_url(re.compile(rf"date={START}"))
    wait_map(page, START)
    page.wait_for_function("() => document.querySelector('#when').textContent.includes('26 November')")
    assert fill_of(page, "aleppo") == side_colours["gov"]
    assert page.evaluate("window.__sameDocument") is True  # HTMX restored it; no page load
    page.go_forward()
    wait_map(page, STEP_DAY)
    assert page.locator("#slider").input_value() == "6"


def test_popup_source_link_shows_bulgarian_quote_highlighted(page, live_server):
    page.goto(f"{live_server}/?date={STEP_DAY}")
    wait_map(page, STEP_DAY)
    # Dispatch on the marker itself: at this zoom the Sheikh Maqsoud district marker overlaps Aleppo's centre.
    marker(page, "aleppo").dispatch_event("click")
    popup = page.locator(".leaflet-popup-content .pp")
    popup.wait_for()
    assert "Aleppo" in popup.locator("h3").inner_text()
    assert "حلب" in popup.locator("h3 .nat").inner_text()  # the native-script name
    assert "place=aleppo" in page.url
    link = popup.locator('a.src[href*="/sources/06a945a22a1cf9b6#q-"]').first
    anchor = link.get_attribute("href").split("#", 1)[1]
    # Activate the link itself: the popup's auto-pan may still move it under a pointer click.
    with page.expect_navigation(url=re.compile(r"/sources/06a945a22a1cf9b6#q-")):
        link.evaluate("a => a.click()")
    quote = page.locator(f'[id="{anchor}"]')
    quote.wait_for()
    mark = page.locator(f'mark[id="{anchor}"], mark:has([id="{anchor}"])').first
    assert "Алепо" in mark.inner_text()
    assert page.locator("article").get_attribute("lang") == "bg"
    background = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


def test_embed_can_be_framed_by_another_origin_and_the_dashboard_cannot(page, live_server, tmp_path):
    (tmp_path / "host.html").write_text(
        "<!doctype html><title>A newsroom page</title>"
        f'<iframe id="embed" src="{live_server}/embed?date=2024-12-07" width="600" height="400"></iframe>'
        f'<iframe id="full" src="{live_server}/?date=2024-12-07" width="600" height="400"></iframe>',
        encoding="utf-8")
    host = ThreadingHTTPServer(("localhost", 0), partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=host.serve_forever, daemon=True).start()
    try:
        origin = f"http://localhost:{host.server_address[1]}"
        assert origin.split(":")[-1] != live_server.split(":")[-1]
        page.goto(f"{origin}/host.html")
        embed = page.frame_locator("#embed")
        embed.locator('#map[data-date="2024-12-07"]').wait_for(timeout=10_000)
        assert embed.locator("#map path[data-place]").count() > 20
        assert embed.locator(".legend li").count() > 1
        assert embed.locator(".leaflet-control-attribution").inner_text().strip() != ""
        assert embed.locator("#open-full").get_attribute("href").endswith("/?date=2024-12-07")
        page.wait_for_timeout(500)
        framed = [f for f in page.frames if f.url.startswith(f"{live_server}/?")]
        assert all(f.evaluate("document.querySelector('#map') === null") for f in framed)
    finally:
        host.shutdown()


def test_slider_steps_without_page_load_and_no_console_errors(page, live_server):
    page.goto(f"{live_server}/?date={START}")
    wait_map(page, START)
    page.evaluate("window.__sameDocument = true")
    slider = page.locator("#slider")
    slider.focus()
    for expected in ("2024-11-27", "2024-11-28"):
        page.keyboard.press("ArrowRight")
        wait_map(page, expected)
        page.wait_for_url(re.compile(rf"date={expected}"))
        page.wait_for_selector(f'#panel .held[data-date="{expected}"]')
    page.keyboard.press("End")
    wait_map(page, "2024-12-08")
    page.wait_for_selector('#panel .held[data-date="2024-12-08"]')
    page.keyboard.press("Home")
    wait_map(page, START)
    page.wait_for_selector(f'#panel .held[data-date="{START}"]')
    page.locator("#next-change").click()
    page.wait_for_selector('#panel .changes li')
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert not_tile_errors(page) == []


def test_side_panel_item_opens_its_marker(page, live_server):
    page.goto(f"{live_server}/?date=2024-12-07")
    wait_map(page, "2024-12-07")
    places = page.locator("#panel .events .pl[data-place]").evaluate_all("els => els.map(e => e.dataset.place)")
    place = next(p for p in places if marker(page, p).count())  # the newest event's place on the map
    item = page.locator(f"#panel .events .pl[data-place='{place}']").first
    name = item.inner_text()
    item.click()
    popup = page.locator(".leaflet-popup-content .pp h3")
    popup.wait_for()
    assert name in popup.inner_text()
    assert f"place={place}" in page.url
    assert "sel" in (marker(page, place).get_attribute("class") or "")
    source = page.locator(f"#panel .events li:has(.pl[data-place='{place}']) a[href^='/sources/']").first
    assert re.match(r"^/sources/[\w-]+#q-", source.get_attribute("href"))


def test_shared_link_restores_date_place_and_view(page, live_server):
    page.goto(f"{live_server}/?date=2024-12-07&place=homs&lat=34.7000&lon=36.7000&zoom=9")
    wait_map(page, "2024-12-07")
    page.locator(".leaflet-popup-content .pp h3").wait_for()
    assert "Homs" in page.locator(".leaflet-popup-content .pp h3").inner_text()
    view = page.evaluate("[document.querySelector('#state [name=lat]').value, document.querySelector('#state [name=zoom]').value]")
    assert view[1] == "9"
    assert abs(float(view[0]) - 34.7) < 0.05
    page.locator(".share summary").click()
    assert "date=2024-12-07" in page.locator("#share-link").input_value()
    assert "place=homs" in page.locator("#share-link").input_value()
    assert page.locator("#share-embed").input_value().startswith('<iframe src="http')
    assert "/embed?" in page.locator("#share-embed").input_value()


def test_usable_at_375px_without_horizontal_scroll(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/?date=2024-12-07")
        wait_map(page, "2024-12-07")
        page.locator(".share summary").click()
        marker(page, "homs").click(force=True)
        page.locator(".leaflet-popup-content").wait_for()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
        page.goto(f"{live_server}/embed?date=2024-12-07")
        wait_map(page, "2024-12-07")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    finally:
        context.close()


def test_own_html_js_css_under_60_kb(page, live_server):
    """Budget: our HTML, JS and CSS for `/` (latest date: the longest panel), not Leaflet/HTMX."""
    page.goto(f"{live_server}/")
    page.wait_for_selector("#map[data-date]")
    sizes = page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const own = performance.getEntriesByType('resource').filter(r => {
            const u = new URL(r.name);
            return u.origin === location.origin && (u.pathname.startsWith('/static/') || u.pathname === '/sides.css');
        });
        return [nav.decodedBodySize, ...own.map(r => [r.name, r.decodedBodySize])];
    }""")
    html, own = sizes[0], sizes[1:]
    assert {u.split("?")[0].rsplit("/", 1)[1] for u, _ in own} >= {"tidemark.js", "tidemark.css", "sides.css"}
    total = html + sum(n for _, n in own)
    assert html > 1000 and total < 60 * 1024, f"HTML {html} B + own assets {own} = {total} B"


def test_play_advances_a_day_a_second_without_piling_up_history(page, live_server):
    page.goto(f"{live_server}/?date=2024-12-05")
    wait_map(page, "2024-12-05")
    before = page.evaluate("history.length")
    page.locator("#play").click()
    assert page.locator("#play").get_attribute("aria-pressed") == "true"
    wait_map(page, "2024-12-06")
    page.wait_for_url(re.compile(r"date=2024-12-06"))
    wait_map(page, "2024-12-07")
    page.locator("#play").click()
    assert page.locator("#play").get_attribute("aria-pressed") == "false"
    # On a slow machine a tick may land between seeing 12-07 and the pause; whatever day the pause
    # caught, the map must stay on it.
    paused_on = page.locator("#map").get_attribute("data-date")
    assert paused_on in ("2024-12-07", "2024-12-08")
    page.wait_for_timeout(1300)
    assert page.locator("#map").get_attribute("data-date") == paused_on
    assert page.evaluate("history.length") == before + 1  # one entry for the whole play
    page.go_back()
    wait_map(page, "2024-12-05")


def test_bars_and_copy_buttons(page, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server}/?date={START}")
    wait_map(page, START)
    page.locator("#bars a[data-i='11']").click()
    wait_map(page, "2024-12-07")
    page.wait_for_url(re.compile(r"date=2024-12-07"))
    assert page.locator("#bars .bar.sel").count() == 1
    page.locator(".share summary").click()
    page.locator("[data-copy='share-link']").click()
    page.wait_for_function("() => document.querySelector('.share .copied').textContent.length > 0")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(live_server) and "date=2024-12-07" in copied
    page.locator("[data-copy='share-embed']").click()
    assert page.evaluate("navigator.clipboard.readText()").startswith(f'<iframe src="{live_server}/embed?date=2024-12-07')
