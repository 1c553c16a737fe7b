"""Print: one landscape page with the title, the date, the map, the legend, the sources and
the link; no controls. Also: the timeline's bars at both ends show whole."""
from __future__ import annotations

import os
import re

import pytest

from .liveserver import ROOT
from .test_dashboard import wait_map

DAY = "2024-12-08"
HIDDEN = ["#play", "#prev-change", "#next-change", "#slider", "#bars", ".share", ".leaflet-control-zoom",
          "#panel .events", "#panel .changes"]
SHOWN = [".top h1", "#when", "#map", "#panel .held .legend", "#panel .po", "#print-url"]


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def inside(inner, outer, slack=1.0) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack)


def test_print_media_shows_map_legend_sources_and_url_without_controls(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    page = context.new_page()
    try:
        page.goto(f"{live_server}/?date={DAY}")
        wait_map(page, DAY)
        url_before = page.url
        page.emulate_media(media="print")
        page.wait_for_timeout(300)
        for selector in HIDDEN:
            assert not page.locator(selector).first.is_visible(), selector
        for selector in SHOWN:
            assert page.locator(selector).first.is_visible(), selector
        assert "date=2024-12-08" in page.locator("#print-url").inner_text()
        assert page.url == url_before  # the print layout's resize is not a map move
        sources = page.locator("#panel .po li").all_inner_texts()
        assert sources and all("/sources/" in s for s in sources) and len(sources) <= 10
        # the map was redrawn for its print size: Damascus and Aleppo are inside it
        map_box = box(page, "#map")
        for place in ("damascus", "aleppo"):
            assert inside(box(page, f'#map path[data-place="{place}"]'), map_box), place
        # one page: everything printed fits the viewport of an A4 landscape page
        assert page.evaluate("document.scrollingElement.scrollHeight") <= 794
        shot = page.screenshot(path=str(tmp_path / "print.png"))
        assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000
        if os.environ.get("TIDEMARK_UPDATE_SCREENSHOTS"):  # the README's picture
            (ROOT / "docs" / "print.png").write_bytes(shot)
        for paper in ("A4", "Letter"):
            pdf = page.pdf(format=paper, landscape=True)
            assert re.findall(rb"/Count (\d+)", pdf) == [b"1"], paper
    finally:
        context.close()


def test_timeline_bars_at_both_ends_show_whole_and_sit_under_the_thumb(page, live_server):
    page.goto(f"{live_server}/?date={DAY}")
    wait_map(page, DAY)
    bars = page.locator("#bars .bar")
    n = bars.count()
    section = box(page, ".timeline")
    slider = box(page, "#slider")
    for i in range(n):
        bar = bars.nth(i).bounding_box()
        assert bar["width"] > 2 and inside(bar, section), (i, bar, section)
        # a range input's thumb centre: 8 px (its radius) in from each end of the track
        thumb = slider["x"] + 8 + i * (slider["width"] - 16) / (n - 1)
        assert abs(bar["x"] + bar["width"] / 2 - thumb) <= 3, (i, bar, thumb)
    assert "sel" in (bars.nth(n - 1).get_attribute("class") or "")  # the selected last day, whole


OVERLAPS = """() => {
    const r = Array.from(document.querySelectorAll('#map .leaflet-tooltip'))
        .map(e => e.getBoundingClientRect()).filter(b => b.width > 0);
    let n = 0;
    for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++)
        if (r[i].left < r[j].right && r[i].right > r[j].left && r[i].top < r[j].bottom && r[i].bottom > r[j].top) n++;
    return [n, r.length];
}"""


def test_labels_never_overlap_and_more_show_as_you_zoom_in(page, live_server):
    page.goto(f"{live_server}/?date={DAY}")  # the default view
    wait_map(page, DAY)
    overlaps, shown_default = page.evaluate(OVERLAPS)
    assert overlaps == 0 and shown_default > 3
    page.goto(f"{live_server}/?date={DAY}&lat=33.5100&lon=36.3000&zoom=9")  # around Damascus
    wait_map(page, DAY)
    overlaps, shown_9 = page.evaluate(OVERLAPS)
    hidden_9 = page.locator("#map .leaflet-tooltip.lh").count()
    assert overlaps == 0 and hidden_9 > 0  # there were collisions, and they were resolved
    # the biggest place keeps its label
    assert "lh" not in (page.locator("#map .leaflet-tooltip", has_text="Damascus").first.get_attribute("class") or "")
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_function("() => document.querySelector('#map').classList.contains('zl-3') && "
                           "!document.querySelector('.leaflet-zoom-anim')")
    page.wait_for_timeout(400)
    overlaps, shown_10 = page.evaluate(OVERLAPS)
    assert overlaps == 0
    assert page.locator("#map .leaflet-tooltip.lh").count() < hidden_9  # recomputed on zoom
