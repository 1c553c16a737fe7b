"""Last-known places, cited reports and disagreeing reports, in a real browser."""
from __future__ import annotations

import json
import re
import urllib.request
from datetime import date

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
        cls: p.getAttribute('class'), freshness: p.classList.contains('last-known') ? 'last_known' : 'reported',
        dash: p.getAttribute('stroke-dasharray'), fillOpacity: +p.getAttribute('fill-opacity'),
        stroke: (p.getAttribute('stroke') || '').toLowerCase(), fill: (p.getAttribute('fill') || '').toLowerCase()})""")


def day_words(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def test_a_place_not_reported_for_days_is_drawn_and_described_as_last_known(page, live_server, side_colours):
    """The places are picked from the API's answer, so the test follows the data; with the
    bundled data there is always a held place whose last report is older than 3 days on 8 Dec."""
    with urllib.request.urlopen(f"{live_server}/api/control.geojson?date={DAY}") as r:
        body = json.load(r)
    feats = sorted((f["properties"] for f in body["features"]), key=lambda p: -(p["population"] or 0))
    stale = next(p for p in feats if p["status"] == "held" and p["freshness"] == "last_known")
    fresh = next(p for p in feats if p["status"] == "held" and p["freshness"] == "reported")
    baseline = next(p for p in feats if p["status"] == "baseline")
    assert stale["age_days"] > body["stale_after_days"] == 3

    page.goto(f"{live_server}/?date={DAY}")
    wait_map(page, DAY)
    s = marker_style(page, stale["id"])
    assert s["freshness"] == "last_known"
    assert s["dash"] == "6 3" and s["fillOpacity"] < 0.3
    assert s["stroke"] == s["fill"] == side_colours[stale["side"]]  # the holder's colour, from data
    f = marker_style(page, fresh["id"])
    assert f["freshness"] == "reported"
    assert f["dash"] is None and f["fillOpacity"] > 0.9
    b = marker_style(page, baseline["id"])  # baseline only: last known too
    assert b["freshness"] == "last_known" and b["dash"] == "6 3"
    withdrawn = next((p for p in feats if p["status"] == "withdrawn"), None)
    if withdrawn:  # its own, dotted style, not the last-known dashes
        assert marker_style(page, withdrawn["id"])["dash"] == "2 3"

    popup = open_popup(page, stale["id"], stale["name"])
    text = popup.inner_text()
    assert (f"Last known state. Last reported {day_words(stale['last_report'])}, "
            f"{stale['age_days']} days earlier") in text
    page.keyboard.press("Escape")

    # The legend says the same: reported vs last known.
    gov = next(x for x in body["sides"] if x["code"] == "gov")
    legend = page.locator("#panel .legend").inner_text()
    assert re.search(rf"Government:\s*{gov['count']} reported,\s*{gov['last_known']} last known", legend)
    assert gov["last_known"] > 0


def _popup_of(page, server: str, day: str, place: str):
    """The popup a shared link `?date=…&place=…` opens."""
    page.goto(f"{server}/?date={day}&place={place}")
    wait_map(page, day)
    popup = page.locator(".leaflet-popup-content .pp")
    popup.wait_for()
    return popup


def test_a_cited_report_and_a_disagreement_in_the_popup(page, small_server):
    day = "2030-01-04"
    popup = _popup_of(page, small_server, day, "beta")
    text = popup.inner_text()
    assert "Reports disagree on 4 Jan 2030: 2 reports say held by Rebels, 1 says contested" in text
    assert "2 sources, 2 outlets, 2 languages agree" in text
    assert "Last reported 4 Jan 2030, the same day" in text
    report = popup.locator("li.k-report").first
    assert "cited report — not archived here" in report.inner_text()
    assert report.locator("q").count() == 0  # no quote for a cited report: our summary
    assert report.locator("p.sum").inner_text().startswith("Example")
    assert report.locator("a.orig").get_attribute("href").startswith("https://example.")
    # The side panel lists the disagreement beside the state.
    assert "2 reports say held by Rebels, 1 says contested" in page.locator("#panel").inner_text()
    # The report's own page: metadata, our summary, the original link, no text.
    href = report.locator("a.src").get_attribute("href")
    page.goto(small_server + href)
    assert "Cited report — not archived here" in page.locator(".kind-note").inner_text()
    assert page.locator("article.article-text").count() == 0
    assert page.locator(f'[id="{href.split("#", 1)[1]}"]').count() == 1


def test_an_archived_article_keeps_its_quote_beside_cited_reports(page, small_server):
    day = "2030-01-12"
    popup = _popup_of(page, small_server, day, "alpha")
    article = popup.locator("li.k-article")
    assert article.locator("q").inner_text() == "Rebels captured Alpha on Thursday."
    assert article.locator("a.src").get_attribute("href") == "/sources/art1#q-2030-01-03-alpha-capture-art1"
    assert popup.locator("li.k-report").count() == 2
    assert "3 sources, 3 outlets, 2 languages agree" in popup.inner_text()


def test_a_marker_is_restyled_when_its_claim_ages_into_last_known(page, live_server):
    """Stepping one day can turn a held place from reported into last known with nothing else
    changed (same holder, same status): its marker must be redrawn hollow, not keep its solid fill."""
    def day_of(iso):
        with urllib.request.urlopen(f"{live_server}/api/control.geojson?date={iso}") as r:
            return {f["id"]: f["properties"] for f in json.load(r)["features"]}

    with urllib.request.urlopen(f"{live_server}/api/timeline.json") as r:
        days = [d["date"] for d in json.load(r)["days"]]
    found = None
    for before, after in zip(days, days[1:]):
        a, b = day_of(before), day_of(after)
        for pid, p in b.items():
            q = a.get(pid)
            if (q and p["status"] == q["status"] == "held" and p["side"] == q["side"] and not p["proposed"]
                    and q["freshness"] == "reported" and p["freshness"] == "last_known"):
                found = (before, after, pid)
                break
        if found:
            break
    assert found, "the bundled range has a held place whose report goes stale"
    before, after, pid = found
    page.goto(f"{live_server}/?date={before}")
    wait_map(page, before)
    fresh = marker_style(page, pid)
    assert fresh["freshness"] == "reported" and fresh["dash"] in (None, "") and fresh["fillOpacity"] > 0.5
    page.focus("#slider")
    page.keyboard.press("ArrowRight")
    wait_map(page, after)
    stale = marker_style(page, pid)
    assert stale["freshness"] == "last_known" and stale["dash"] == "6 3" and stale["fillOpacity"] < 0.5, stale
