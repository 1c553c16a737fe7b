"""`include=proposed` on the pages: unreviewed events appear only when asked for, always marked.

The database is the bundled data plus one article run through the real ingest code
(conftest.proposed_db_url): a proposed capture of Qardaha by the rebels on 2024-12-05.
The reviewed data has no event at Qardaha before 8 December (it stays government-held from the baseline
on); Salamiyah, the place used before, now has reviewed events of its own (the north record).
"""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

from .test_dashboard import fill_of, marker, opposition_colours, wait_map
from .test_pages_http import HX, tags

DAY, NEXT = "2024-12-05", "2024-12-06"  # the day of the proposed capture: its event is on the first page of the list
PLACE = "qardaha"


@pytest.fixture(scope="module")
def proposed_client(proposed_db_url) -> TestClient:
    app = create_app(Settings(database_url=proposed_db_url, assets="local"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def qardaha(fc: dict) -> dict:
    return next(f["properties"] for f in fc["features"] if f["id"] == PLACE)


def badges(html: str) -> int:
    return html.count('class="badge"')


def test_ingest_made_a_proposed_capture_that_only_include_shows(proposed_client):
    api = proposed_client.get(f"/api/events.json?include=proposed&place=qardaha&to={NEXT}").json()["events"]
    assert [(e["date"], e["type"], e["status"]) for e in api] == [("2024-12-05", "capture", "proposed")]
    assert proposed_client.get(f"/api/events.json?place=qardaha&to={NEXT}").json()["events"] == []
    assert qardaha(proposed_client.get(f"/api/control.geojson?date={DAY}").json())["status"] == "baseline"
    with_proposed = qardaha(proposed_client.get(f"/api/control.geojson?date={DAY}&include=proposed").json())
    assert with_proposed["proposed"] is True and with_proposed["coalition"] == "opposition"


@pytest.mark.parametrize("path", ["/", "/embed", "/events"])
def test_pages_without_include_show_nothing_proposed(proposed_client, path):
    r = proposed_client.get(f"{path}?date={DAY}")
    assert r.status_code == 200
    assert badges(r.text) == 0 and "Qardaha</a> <em>capture" not in r.text
    assert 'data-include' not in r.text and 'name="include"' not in r.text
    assert "include=proposed" not in r.headers["link"]


@pytest.mark.parametrize("path", ["/", "/embed", "/events"])
def test_bad_include_is_422_naming_it(proposed_client, path):
    for value in ("bogus", "accepted", "proposed,x", "PROPOSED"):
        r = proposed_client.get(f"{path}?date={DAY}&include={value}")
        assert r.status_code == 422, (path, value)
        detail = r.json()["detail"][0]
        assert detail["loc"][-1] == "include" and detail["msg"].startswith("include")


def test_toggle_only_when_proposed_events_exist(proposed_client, client):
    plain = proposed_client.get(f"/?date={DAY}").text
    toggle = next(a for t, a in tags(plain) if a.get("id") == "toggle-include")
    assert toggle["href"] == f"?date={DAY}&include=proposed"
    assert "Show unreviewed events" in plain
    assert 'id="toggle-include"' not in client.get(f"/?date={DAY}").text  # the bundled data: none waiting
    assert "Show unreviewed events" in proposed_client.get(f"/events?date={DAY}").text


def test_dashboard_with_include_marks_and_keeps_it_everywhere(proposed_client):
    r = proposed_client.get(f"/?date={DAY}&include=proposed&place=qardaha")
    assert r.status_code == 200
    assert r.headers["link"].startswith(f"</api/control.geojson?date={DAY}&include=proposed>")
    html = r.text
    attrs = {a.get("id") or a.get("name"): a for t, a in tags(html) if a.get("id") or a.get("name")}
    assert attrs["map"]["data-include"] == "proposed"
    assert attrs["include"]["value"] == "proposed" and "disabled" not in attrs["include"]
    assert attrs["toggle-include"]["href"] == f"?date={DAY}&place=qardaha"  # "Hide them"
    assert "Showing <strong>unreviewed events</strong>" in html
    for link in ("prev-change", "next-change", "share-link"):
        assert "include=proposed" in (attrs[link].get("href") or attrs[link].get("value")), link
    assert f"embed?date={DAY}&amp;amp;place=qardaha&amp;amp;include=proposed" in html  # the iframe snippet
    events = proposed_client.get(f"/events?date={DAY}&include=proposed").text  # the whole list
    item = re.search(r'<li[^>]*>.*?data-place="qardaha">Qardaha</a> <a href="/events/[^"]+">capture</a>(.*?)</li>', events, re.S)
    assert item and "unreviewed</span>" in item.group(1)
    assert "dotted outline" in html  # the key explains the marker
    # the "what changed" list of the capture's day marks it, and its source
    changed = proposed_client.get("/?date=2024-12-05&include=proposed").text.split('class="changes"', 1)[1]
    changed = changed.split("</section>", 1)[0]
    assert 'data-place="qardaha"' in changed and badges(changed) == 2 and "unrev" in changed
    # a slider step (HTMX) asks with include and gets the same layer
    fragment = proposed_client.get(f"/?date={NEXT}&include=proposed", headers=HX)
    assert "<html" not in fragment.text and badges(fragment.text) >= 1


def test_timeline_counts_proposed_only_with_include(proposed_client):
    def bar_title(html: str, day: str) -> str:
        return re.search(rf'data-date="{day}"[^>]*data-events="(\d+)"', html).group(1)
    plain = proposed_client.get("/api/timeline.json").json()
    both = proposed_client.get("/api/timeline.json?include=proposed").json()
    n = {d["date"]: d["events"] for d in plain["days"]}["2024-12-05"]
    page_plain = bar_title(proposed_client.get(f"/?date={DAY}").text, "2024-12-05")
    page_both = bar_title(proposed_client.get(f"/?date={DAY}&include=proposed").text, "2024-12-05")
    assert int(page_plain) == n and int(page_both) == n + 1  # the day list behind the bars
    assert {d["date"]: d["events"] for d in both["days"]}["2024-12-05"] == n + 1


def test_embed_and_events_page_keep_include(proposed_client):
    embed = proposed_client.get(f"/embed?date={DAY}&include=proposed").text
    open_full = next(a for t, a in tags(embed) if a.get("id") == "open-full")
    assert open_full["href"].endswith(f"/?date={DAY}&include=proposed")
    assert "Showing <strong>unreviewed events</strong>" in embed and "dotted outline" in embed
    compact = proposed_client.get(f"/embed?date={DAY}&include=proposed&slider=0").text
    hide = next(a for t, a in tags(compact) if a.get("id") == "toggle-include")
    assert hide["href"] == f"?date={DAY}&slider=0"
    r = proposed_client.get(f"/events?date={DAY}&include=proposed")
    assert r.headers["link"].startswith(f"</api/events.json?to={DAY}&include=proposed>")
    assert re.search(r'Qardaha</a> <a href="/events/[^"]+">capture</a>', r.text) and "Hide them" in r.text


def test_browser_marker_panel_popup_and_url_follow_include(page, proposed_server, side_colours, side_coalitions):
    page.goto(f"{proposed_server}/?date={DAY}")
    wait_map(page, DAY)
    assert fill_of(page, PLACE) == side_colours["gov"]  # the reviewed state: baseline
    assert page.locator("#map path.unrev").count() == 0
    assert page.locator("#panel .badge").count() == 0

    page.locator("#toggle-include").click()  # "Show unreviewed events"
    page.wait_for_url(re.compile(r"include=proposed"))
    wait_map(page, DAY)
    assert fill_of(page, PLACE) in opposition_colours(side_colours, side_coalitions)
    m = marker(page, PLACE)
    assert "unrev" in m.get_attribute("class") and m.get_attribute("stroke-dasharray") == "1 4"
    assert page.locator(".unrev-note").is_visible()
    item = page.locator("#panel .events li", has=page.locator('a.pl[data-place="qardaha"]')).first
    for _ in range(10):  # the panel shows the newest few events; earlier ones load when scrolled to
        if item.count():
            break
        page.locator("#panel .events .more").last.scroll_into_view_if_needed()
        page.wait_for_timeout(400)
    assert item.locator(".badge").inner_text() == "unreviewed"

    m.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator(".srcs .badge").first.inner_text() == "unreviewed"
    assert popup.locator("p.unrev").is_visible()
    page.locator(".leaflet-popup-close-button").click()

    index = page.locator(f"#tl-days option[data-date='{NEXT}']").get_attribute("value")
    page.locator("#slider").fill(index)
    wait_map(page, NEXT)
    page.wait_for_url(re.compile(rf"date={NEXT}"))
    assert "include=proposed" in page.url
    page.wait_for_function("() => document.title.includes('6 Dec 2024')")
    assert "unrev" in marker(page, PLACE).get_attribute("class")
    assert "include=proposed" in page.locator("#share-link").input_value()
    assert "include=proposed" in page.locator("#next-change, #prev-change").first.get_attribute("href")
    hide = page.locator("#toggle-include")
    assert hide.get_attribute("href").startswith(f"/?date={NEXT}") and "include" not in hide.get_attribute("href")
    requested = page.evaluate("performance.getEntriesByType('resource').map(r => r.name)"
                              ".filter(u => u.includes('/api/control.geojson'))")
    assert requested and all("include=proposed" in u for u in requested)

    hide.click()  # "Hide them"
    page.wait_for_url(lambda url: f"date={NEXT}" in url and "include" not in url)
    wait_map(page, NEXT)
    assert fill_of(page, PLACE) == side_colours["gov"]
    assert page.locator("#map path.unrev").count() == 0 and page.locator(".badge").count() == 0


def test_an_unreviewed_event_has_a_page_that_says_so_and_maps_with_include(proposed_client):
    [ev] = [e for e in proposed_client.get(f"/api/events.json?include=proposed&place={PLACE}").json()["events"]
            if e["status"] == "proposed"]
    assert ev["status"] == "proposed"
    page = proposed_client.get(ev["page"])
    assert page.status_code == 200 and badges(page.text) >= 1 and "not yet checked by a person" in page.text
    on_map = next(a for t, a in tags(page.text) if a.get("id") == "on-map")
    assert on_map["href"] == f"/?date=2024-12-05&place={PLACE}&include=proposed"
    assert proposed_client.get(f"/api/events/{ev['id']}").json()["status"] == "proposed"
