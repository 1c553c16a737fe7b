"""The interface in Arabic, right to left, in a real browser (issue 11 §2)."""
from __future__ import annotations

import io
import os
import re

from PIL import Image

from app.config import ROOT

from .test_dashboard import fill_of, not_tile_errors, opposition_colours, wait_map

SCREENSHOT = ROOT / "docs" / "arabic.png"


def test_arabic_interface_right_to_left(page, live_server, side_colours, side_coalitions):
    page.goto(f"{live_server}/?date=2024-11-26&lang=ar")
    wait_map(page, "2024-11-26")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]

    # the layout mirrors: the panel is left of the map, Play is right of « change
    panel, box = page.locator("#panel").bounding_box(), page.locator("#map").bounding_box()
    assert panel["x"] + panel["width"] <= box["x"] + 1, (panel, box)
    prev, play = page.locator("#prev-change").bounding_box(), page.locator("#play").bounding_box()
    assert prev["x"] > play["x"]
    # the slider runs right to left, and its bars with it: the first day's bar is on the right
    bars = page.locator("#bars rect.bar")
    assert bars.first.bounding_box()["x"] > bars.last.bounding_box()["x"]
    # the map itself stays geographic: Aleppo (north-west) left of Deir ez-Zor (east)
    assert page.locator('#map path[data-place="aleppo"]').bounding_box()["x"] < \
        page.locator('#map path[data-place="deir-ez-zor"]').bounding_box()["x"]

    # Arabic strings, dates in Arabic with the locale's digits (Latin for ar, CLDR), names in Arabic first
    assert page.locator("#when").inner_text() == "الثلاثاء، 26 نوفمبر 2024"
    assert page.locator(".share summary").inner_text() == "مشاركة"
    assert "السيطرة في" in page.locator("#panel .held h2").inner_text()
    labels = page.locator(".leaflet-tooltip.lbl").all_inner_texts()
    assert "حلب" in labels and "دمشق" in labels and "Aleppo" not in labels

    # a popup built in the browser, from the Arabic catalogue
    page.locator('#map path[data-place="aleppo"]').dispatch_event("click")  # a district's marker lies on its centre
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "حلب" in text and "Aleppo" in text  # Arabic first, English beside it
    assert "تحت سيطرة الحكومة" in text and "Held by" not in text  # "Held by Government at the start": the side's Arabic name
    assert "آخر تقرير في 26 نوفمبر 2024 (خط الأساس)" in text and "Last reported" not in text  # freshness
    assert "آخر حالة معروفة." in text and "المصدر: مرجع خط الأساس" in text
    assert popup.evaluate("e => getComputedStyle(e).direction") == "rtl"
    page.locator(".leaflet-popup-close-button").click()

    # a slider step: the map, the date, the URL and the panel follow, and keep lang=ar
    index = page.locator("#tl-days option[data-date='2024-12-02']").get_attribute("value")
    page.locator("#slider").fill(index)
    wait_map(page, "2024-12-02")
    page.wait_for_url(re.compile(r"date=2024-12-02.*lang=ar|lang=ar.*date=2024-12-02"))
    assert fill_of(page, "aleppo") in opposition_colours(side_colours, side_coalitions)
    assert page.locator("#when").inner_text() == "الاثنين، 2 ديسمبر 2024"
    page.wait_for_function("() => document.querySelector('#panel .held').dataset.date === '2024-12-02'")
    # a popup of a reported place: its holder's Arabic name, and how many sources agree, in Arabic plurals
    page.locator('#map path[data-place="aleppo"]').dispatch_event("click")
    popup.wait_for()
    text = popup.inner_text()
    assert "تحت سيطرة إدارة العمليات العسكرية منذ" in text and "HTS-led" not in text, text
    assert re.search(r"تتفق .*مصادر|تتفق مصدران", text) and "agree" not in text and "sources" not in text, text
    own = popup.locator("a.src, a.evl").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert own and all(re.match(r"/(sources|events)/[^?#]+\?lang=ar(#q-.+)?$", u) for u in own), own
    page.locator(".leaflet-popup-close-button").click()
    legend = page.locator("#panel .legend").inner_text()
    assert "إدارة العمليات العسكرية:" in legend and "مُبلَّغ عنها" in legend and "reported" not in legend
    assert "ما تغيّر في 2 ديسمبر 2024" in page.locator("#panel .changes h2").inner_text()
    page.locator(".share summary").click()
    assert "lang=ar" in page.locator("#share-link").input_value()
    assert "lang=ar" in page.locator("#share-embed").input_value()
    english = page.locator('.langs a[hreflang="en"]').get_attribute("href")  # the same view, in English
    assert "date=2024-12-02" in english and english.endswith("&lang=en")
    page.locator(".share summary").click()
    assert not not_tile_errors(page), page.console_errors

    # the picture for the README: the map at the end of the offensive
    page.goto(f"{live_server}/?date=2024-12-08&lang=ar")
    wait_map(page, "2024-12-08")
    page.wait_for_timeout(300)
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    shot = shot.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    buf = io.BytesIO()
    shot.save(buf, format="PNG", optimize=True)
    assert len(buf.getvalue()) < 300_000
    if os.environ.get("TIDEMARK_UPDATE_SCREENSHOTS"):  # the README's picture, only on request
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(buf.getvalue())


def test_english_page_sends_no_arabic(page, live_server):
    """The Arabic catalogue and the RTL stylesheet load only for Arabic."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server}/")
    page.wait_for_selector("#map[data-date]")
    assert page.evaluate("document.documentElement.dir") == ""
    assert not any("rtl.css" in u for u in requests)
    assert not any("/strings/" in u or "i18n" in u for u in requests)
    assert page.locator("#map").get_attribute("data-i18n") is None
    assert page.locator("#when").inner_text().endswith("December 2024")
