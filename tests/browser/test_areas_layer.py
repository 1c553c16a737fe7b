"""The approximate areas layer: on by default on /, off in /embed until switched on, labelled."""
from __future__ import annotations

DAY = "2024-12-08"


def test_areas_layer_on_the_page_and_optional_in_the_embed(page, live_server):
    page.goto(f"{live_server}/?date={DAY}")
    page.wait_for_selector(f'#map[data-areas-date="{DAY}"]', timeout=20_000)
    assert page.locator("#map path.area").count() > 0
    assert "approximate, derived from towns" in page.locator(".areas-toggle").inner_text()
    page.goto(f"{live_server}/embed?date={DAY}")
    page.wait_for_selector(f'#map[data-date="{DAY}"]', timeout=10_000)
    assert not page.locator("#areas-toggle").is_checked()
    assert page.locator("#map path.area").count() == 0
    page.locator("#areas-toggle").check()
    page.wait_for_selector(f'#map[data-areas-date="{DAY}"]', timeout=20_000)
    assert page.locator("#map path.area").count() > 0
    page.locator("#areas-toggle").uncheck()
    assert page.locator("#map path.area").count() == 0
    assert page.console_errors == []
