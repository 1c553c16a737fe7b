"""A hostile corpus, loaded and ingested, then every page rendered in chromium.

Place names, side names, article titles, outlets, URLs, quotes, summaries and notes carry
markup, event handlers, `javascript:` URLs, bidi override characters and 10,000-character
words: in a copy of data/ loaded by the real loader, and in an HTML article run through the
real ingest code. Every page is then opened in chromium with `alert`/`confirm`/`prompt`
counted (and native dialogs caught), every marker's popup opened, and every link checked:
no script may run, and no `javascript:` URL may appear in any href/src/action.
A `javascript:` URL in data/ itself is refused by the loader, naming file and line.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date

import pytest

from .liveserver import ROOT, build_database, running_server

BIDI = "\u202e\u2066"  # RIGHT-TO-LEFT OVERRIDE, LEFT-TO-RIGHT ISOLATE
LONG = "W" * 10_000
XSS = [
    "<script>alert('s')</script>",
    '<img src=x onerror="alert(\'i\');window.__xss=1">',
    '"><svg onload=alert(1)>',
    "'-alert(1)-'",
    "javascript:alert(1)",
    "{{7*7}}",
]
HOSTILE = " ".join(XSS) + f" {BIDI}evil{BIDI} {LONG}"
EVIL_URL = "https://example.org/x\"onmouseover=\"alert(1)\"'><script>alert(2)</script>"
HOSTILE_SENTENCE = f"Hostile {XSS[0]} {XSS[1]} javascript:alert(3) {BIDI}txt {LONG}."
INGESTED_HTML = f"""<!doctype html><html><head>
<title>{XSS[2]} Ingested {XSS[0]}</title>
<meta property="og:site_name" content="&lt;img src=x onerror=alert(4)&gt;Outlet{BIDI}">
<link rel="canonical" href="javascript:alert(5)">
<meta name="date" content="2024-12-06">
</head><body><article>
<p>Rebels captured the town of Salamiyah on Thursday. &lt;script&gt;alert(6)&lt;/script&gt; {BIDI}</p>
<p>Residents said <a href="javascript:alert(7)">the army</a> left {LONG} overnight.</p>
</article><script>alert(8)</script></body></html>"""

INIT_SCRIPT = """
window.__dialogs = 0;
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = function () { window.__dialogs += 1; };
}
"""
URL_ATTRS = """() => [...document.querySelectorAll('[href],[src],[action],[formaction],[xlink\\\\:href]')]
  .flatMap(e => ['href', 'src', 'action', 'formaction', 'xlink:href'].map(a => e.getAttribute(a)))
  .filter(v => v !== null)"""


def _rewrite_csv(path, change) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        change(row)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def hostile_data(root):
    data = root / "data"
    shutil.copytree(ROOT / "data", data)

    def places(row):
        if row["id"] in ("aleppo", "homs", "hama", "damascus"):
            row["name"] = f"{XSS[len(row['id']) % len(XSS)]}{BIDI}{row['name']} {LONG[:2000]}"
            row["names"] = row["names"].replace("ar:", f"ar:{BIDI}<b>", 1)
            row["governorate"] = XSS[1]
    _rewrite_csv(data / "places.csv", places)

    def sides(row):
        row["name"] = f"{XSS[1]}{row['name']}{BIDI}"
        row["short_name"] = f"{XSS[0]}{row['short_name']}"
    _rewrite_csv(data / "sides.csv", sides)

    def baseline(row):
        row["note"] = HOSTILE
        row["reference_url"] = EVIL_URL
    _rewrite_csv(data / "baseline.csv", baseline)

    article = data / "articles" / "06a945a22a1cf9b6.txt"
    text = article.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    for key, value in (("title", f"{XSS[0]} {XSS[2]} {BIDI}Title {LONG}"),
                       ("outlet", f"{XSS[1]}Outlet{BIDI}"), ("url", EVIL_URL)):
        line = f"{key}: " + json.dumps(value, ensure_ascii=False)  # a YAML double-quoted string
        head = re.sub(rf"^{key}: .*$", lambda _m, line=line: line, head, count=1, flags=re.M)
    article.write_text(head + "\n---\n" + body.rstrip("\n") + "\n" + HOSTILE_SENTENCE + "\n", encoding="utf-8")

    def events(row):
        row["summary"] = HOSTILE
    _rewrite_csv(data / "events.csv", events)
    with (data / "events.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([
            "2024-12-02-aleppo-hostile", "2024-12-02", "day", "aleppo", "capture", "opp", "opp",
            "06a945a22a1cf9b6", HOSTILE_SENTENCE, HOSTILE])
    return data


@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory):
    from app.db import engine_for
    from app.extract.ingest import format_report, ingest_paths
    from app.extract.resources import resources_for

    tmp = tmp_path_factory.mktemp("hostile-corpus")
    data = hostile_data(tmp)
    url = build_database(tmp / "hostile.db", data)
    page = tmp / "ingested.html"
    page.write_text(INGESTED_HTML, encoding="utf-8")
    engine = engine_for(url)
    report = ingest_paths([page], engine, resources_for(str(data)), published=date(2024, 12, 6))
    assert len(report.added) == 1 and report.added[0][2] >= 1, format_report(report)
    from sqlalchemy import select
    from sqlmodel import Session

    from app.models import Article
    with Session(engine) as s:
        ingested = s.get(Article, report.added[0][1])
        assert ingested.url == "" and "<img" in ingested.outlet.lower()  # kept as text; javascript: URL dropped
        article_ids = list(s.exec(select(Article.id)).scalars())
    engine.dispose()
    with running_server(url, log=tmp / "uvicorn.log") as base:
        yield base, article_ids


def test_a_javascript_url_in_data_is_refused_naming_file_and_line(tmp_path):
    from app.datafiles import read_dataset
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    article = data / "articles" / "06a945a22a1cf9b6.txt"
    text = article.read_text(encoding="utf-8")
    article.write_text(re.sub(r"^url: .*$", "url: 'javascript:alert(1)'", text, count=1, flags=re.M),
                       encoding="utf-8")
    _rewrite_csv(data / "baseline.csv", lambda row: row.update(reference_url="javascript:alert(1)")
                 if row["place"] == "aleppo" else None)
    _, errors = read_dataset(data)
    assert any("06a945a22a1cf9b6.txt:" in e and "url must be empty or an http(s) URL" in e for e in errors), errors
    assert any("baseline.csv:2:" in e and "reference_url" in e for e in errors), errors


def check_page(page, url: str, open_popups: bool = False) -> int:
    """Open `url`, open every marker popup when asked; return the number of popups opened."""
    page.goto(url)
    page.wait_for_load_state("load")
    opened = 0
    if open_popups:
        page.wait_for_selector("#map[data-date]")
        places = page.eval_on_selector_all("#map path[data-place]", "els => els.map(e => e.dataset.place)")
        assert places
        for place in places:
            page.locator(f'#map path[data-place="{place}"]').dispatch_event("click")
            page.wait_for_selector(".leaflet-popup-content .pp", timeout=5000)
            for link in page.eval_on_selector_all(".leaflet-popup-content a[href]", "els => els.map(e => e.getAttribute('href'))"):
                assert not link.strip().lower().startswith("javascript:"), (url, place, link)
            opened += 1
        page.wait_for_timeout(200)
    for value in page.evaluate(URL_ATTRS):
        cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
        assert not cleaned.startswith("javascript:"), (url, value)
    html = page.content()
    assert not re.search(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I), url
    assert page.locator("img[src='x'], svg[onload], script:not([src])").count() == 0, url
    assert page.evaluate("window.__dialogs") == 0, url
    assert page.evaluate("window.__xss") is None, url
    return opened


def test_every_page_renders_the_hostile_corpus_as_text(browser, hostile_corpus):
    base, article_ids = hostile_corpus
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(INIT_SCRIPT)
    dialogs = []
    context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        popups = 0
        for path in ("/?date=2024-12-02", "/?date=2024-12-07&include=proposed",
                     "/embed?date=2024-12-02", "/embed?date=2024-12-06&include=proposed"):
            popups += check_page(page, base + path, open_popups=True)
        for path in ("/events?date=2024-12-08", "/events?date=2024-12-08&include=proposed",
                     "/?date=2024-11-26&place=aleppo", "/sources/nope"):
            check_page(page, base + path)
        for article_id in article_ids:
            check_page(page, f"{base}/sources/{article_id}")
        # the text itself is shown, as text
        page.goto(f"{base}/?date=2024-12-02&place=aleppo")
        page.wait_for_selector(".leaflet-popup-content .pp")
        assert "<script>alert('s')</script>" in page.locator(".leaflet-popup-content h3").inner_text()
        page.goto(f"{base}/sources/06a945a22a1cf9b6")
        assert "<img src=x onerror=" in page.locator("body").inner_text()
        assert popups > 100 and dialogs == []
    finally:
        context.close()
