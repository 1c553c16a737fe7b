"""/events/{id}: reached from a map popup in a real browser, and back to the map."""
from __future__ import annotations

import re

from .test_dashboard import STEP_DAY, marker, not_tile_errors, wait_map


def test_popup_links_to_the_event_page_and_it_leads_back_to_the_map(page, live_server):
    page.goto(f"{live_server}/?date={STEP_DAY}")
    wait_map(page, STEP_DAY)
    marker(page, "aleppo").dispatch_event("click")  # a district's marker lies on Aleppo's centre
    popup = page.locator(".leaflet-popup-content .pp")
    popup.wait_for()
    link = popup.locator("a.evl").first
    href = link.get_attribute("href")
    assert re.fullmatch(r"/events/[\w.-]+", href), href
    with page.expect_navigation(url=re.compile(re.escape(href) + "$")):
        link.evaluate("a => a.click()")  # the popup's auto-pan may still move it under a pointer
    assert "Aleppo" in page.locator("main.event h2").inner_text()
    facts = page.locator("dl.facts").inner_text()
    assert "Date" in facts and "Acting side" in facts and "Control it implies" in facts
    assert page.locator("#source-link").get_attribute("href").startswith("/sources/")
    assert page.locator('meta[property="og:title"]').get_attribute("content").startswith("Aleppo")
    on_map = page.locator("#on-map")
    assert "place=aleppo" in on_map.get_attribute("href")
    day = re.search(r"date=(\d{4}-\d{2}-\d{2})", on_map.get_attribute("href")).group(1)
    on_map.click()
    wait_map(page, day)
    page.locator(".leaflet-popup-content .pp h3").wait_for()
    assert "Aleppo" in page.locator(".leaflet-popup-content .pp h3").inner_text()
    assert not_tile_errors(page) == []


def test_side_panel_and_event_list_link_each_event(page, live_server):
    page.goto(f"{live_server}/?date=2024-12-08")
    wait_map(page, "2024-12-08")
    first = page.locator('#panel .events li > a[href^="/events/"]').first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    assert page.locator("main.event h2").count() == 1
