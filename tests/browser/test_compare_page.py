"""/compare in a real browser: the map shows the changed places, ringed with the old holder."""
from __future__ import annotations


def test_compare_map_shows_each_changed_place(page, live_server):
    page.goto(f"{live_server}/compare?from=2024-11-26&to=2024-12-08")
    page.wait_for_selector("#cmp-map[data-ready]", timeout=10_000)
    n = int(page.locator("#cmp-map").get_attribute("data-ready"))
    assert n == page.locator(".cmp-list > ul > li").count() > 5
    page.locator('#cmp-map path[data-place="aleppo"]').dispatch_event("click")  # not a pointer click while the map still fits its bounds
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Aleppo" in popup.inner_text() and "→" in popup.inner_text()
    assert page.console_errors == []
