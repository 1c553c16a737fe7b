"""Last-known places, cited reports and disagreeing reports, in a real browser."""
from __future__ import annotations

import re

from .test_dashboard import marker, wait_map

DAY = "2024-12-08"


def open_popup(page, place: str, name: str):
    marker(page, place).click(force=True)
    popup = page.locator(".leaflet-popup-content .pp")
    popup.wait_for()
    page.wait_for_function("n => document.querySelector('.leaflet-popup-content h3').textContent.includes(n)",
                           arg=name)
    return popup


def marker_style(page, place: str) -> dict:
    return marker(page, place).evaluate("""p => ({
        cls: p.getAttribute('class'), freshness: p.dataset.freshness,
        dash: p.getAttribute('stroke-dasharray'), fillOpacity: +p.getAttribute('fill-opacity'),
        stroke: (p.getAttribute('stroke') || '').toLowerCase(), fill: (p.getAttribute('fill') || '').toLowerCase()})""")


def test_a_place_not_reported_for_days_is_drawn_and_described_as_last_known(page, live_server, side_colours):
    # Karnaz was last reported taken on 2 Dec; on 8 Dec that is 6 days old (threshold 3).
    page.goto(f"{live_server}/?date={DAY}")
    wait_map(page, DAY)
    stale = marker_style(page, "karnaz")
    assert stale["freshness"] == "last_known" and "last-known" in stale["cls"].split()
    assert stale["dash"] == "6 3" and stale["fillOpacity"] < 0.3
    assert stale["stroke"] == stale["fill"] == side_colours["opp"]  # the holder's colour, from /sides.css data
    fresh = marker_style(page, "homs")  # taken on 8 Dec
    assert fresh["freshness"] == "reported" and "last-known" not in fresh["cls"].split()
    assert fresh["dash"] is None and fresh["fillOpacity"] > 0.9
    withdrawn = marker_style(page, "deir-ez-zor")  # withdrawn on 8 Dec: its own, dotted style
    assert withdrawn["dash"] == "2 3" and withdrawn["dash"] != stale["dash"]

    popup = open_popup(page, "karnaz", "Karnaz")
    text = popup.inner_text()
    assert "Last known state. Last reported 2 Dec 2024, 6 days earlier" in text
    page.keyboard.press("Escape")

    idlib = marker_style(page, "idlib")  # baseline only: last known too
    assert idlib["freshness"] == "last_known" and idlib["dash"] == "6 3"

    # The legend says the same: reported vs last known.
    legend = page.locator("#panel .legend").inner_text()
    assert re.search(r"Government:\s*0 reported,\s*\d+ last known", legend)


def test_a_cited_report_and_a_disagreement_in_the_popup(page, reports_server):
    day = "2024-12-05"
    page.goto(f"{reports_server}/?date={day}&place=hama")
    wait_map(page, day)
    popup = page.locator(".leaflet-popup-content .pp")
    popup.wait_for()
    text = popup.inner_text()
    assert "Reports disagree on 5 Dec 2024: 2 reports say held by HTS-led MOC / Opposition, 1 says contested" in text
    assert "2 sources, 2 outlets, 2 languages agree" in text
    report = popup.locator("li.k-report").first
    assert "cited report — not archived here" in report.inner_text()
    assert report.locator("q").count() == 0  # no quote for a cited report: our summary
    assert report.locator("p.sum").inner_text().startswith("Example")
    assert report.locator("a.orig").get_attribute("href").startswith("https://example.")
    # The side panel lists the disagreement beside the state.
    assert "2 reports say held by HTS-led MOC / Opposition, 1 says contested" in page.locator("#panel").inner_text()
    # The report's own page: metadata, our summary, the original link, no text.
    href = report.locator("a.src").get_attribute("href")
    page.goto(reports_server + href)
    assert "Cited report — not archived here" in page.locator(".kind-note").inner_text()
    assert page.locator("article.article-text").count() == 0
    assert page.locator(f'[id="{href.split("#", 1)[1]}"]').count() == 1
