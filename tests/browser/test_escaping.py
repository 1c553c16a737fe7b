"""Hostile text in the data files shows as text, in the server's HTML and in the popups."""
from __future__ import annotations

import shutil

import pytest

from .liveserver import ROOT, build_database, running_server

NAME = '<img src=x onerror="window.__xss=1">Aleppo'
OUTLET = "<img src=x onerror=window.__xss=2>Actualno"
REPORT_OUTLET = "<img src=x onerror=window.__xss=3>Wire"
REPORT_SUMMARY = "<b onmouseover=window.__xss=4>Says</b> rebels took Aleppo"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    data = tmp / "data"
    shutil.copytree(ROOT / "data", data)
    places = data / "places.csv"
    text = places.read_text(encoding="utf-8")
    assert "\naleppo,Aleppo," in text
    places.write_text(text.replace("\naleppo,Aleppo,", '\naleppo,"' + NAME.replace('"', '""') + '",'), encoding="utf-8")
    article = data / "articles" / "06a945a22a1cf9b6.txt"
    text = article.read_text(encoding="utf-8")
    assert "outlet: 'Actualno.com'" in text
    article.write_text(text.replace("outlet: 'Actualno.com'", f"outlet: '{OUTLET}'"), encoding="utf-8")
    (data / "reports").mkdir(exist_ok=True)
    (data / "reports" / "hostile.csv").write_text(
        "id,outlet,title,url,published,language,summary,notes\n"
        f'hostile-20241202-aleppo,{REPORT_OUTLET},<i>T</i>,https://example.org/a?x=<y>,2024-12-02,en,"{REPORT_SUMMARY}",\n',
        encoding="utf-8")
    with (data / "events.csv").open("a", encoding="utf-8") as f:
        f.write(f'2024-12-02-aleppo-capture-hostile,2024-12-02,day,aleppo,capture,opp,opp,hostile-20241202-aleppo,,"{REPORT_SUMMARY}"\n')
    url = build_database(tmp / "hostile.db", data)
    with running_server(url, log=tmp / "uvicorn.log") as base:
        yield base


def test_hostile_names_stay_text(page, hostile_server):
    page.goto(f"{hostile_server}/?date=2024-12-02&place=aleppo")
    page.wait_for_selector('#map[data-date="2024-12-02"]')
    popup = page.locator(".leaflet-popup-content .pp")
    popup.wait_for()
    assert NAME in popup.locator("h3").inner_text()
    assert OUTLET in popup.inner_text()
    report = popup.locator("li.k-report", has_text="onerror=window.__xss=3")
    assert REPORT_OUTLET in report.inner_text() and REPORT_SUMMARY in report.inner_text()
    assert page.locator("#panel").inner_text().count("<img src=x") >= 1
    label = page.locator(".leaflet-tooltip.lbl", has_text="<img src=x")
    assert label.count() == 1
    page.wait_for_timeout(300)
    assert page.locator("#map img[src='x'], #panel img, .leaflet-popup img").count() == 0
    assert page.evaluate("window.__xss") is None



def test_hostile_report_page_stays_text(page, hostile_server):
    page.goto(f"{hostile_server}/sources/hostile-20241202-aleppo")
    assert REPORT_OUTLET in page.locator(".source-meta").inner_text()
    assert REPORT_SUMMARY in page.locator(".report-summary").inner_text()
    assert page.locator("img, b[onmouseover]").count() == 0
    assert page.evaluate("window.__xss") is None
