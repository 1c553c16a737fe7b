"""The interface in Arabic: catalogues complete, language from `lang` or Accept-Language, right to
left, links that keep the language, place names in Arabic first, and a bad `lang` is a 422."""
from __future__ import annotations

import json
import re
from html import unescape

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app import i18n
from app.config import ROOT

AR_PO = ROOT / "app" / "locale" / "ar" / "LC_MESSAGES" / "messages.po"


def _catalogue():
    with AR_PO.open("rb") as fp:
        return read_po(fp, locale="ar")


def _extracted():
    """Every message of the code as it is now, extracted into a temporary catalogue by Babel's API
    with babel.cfg (the file `make messages` uses) and the keywords of app/i18n.py."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    extracted = Catalog(locale="ar")
    for _file, line, msg, _c, ctx in extract_from_dir(str(ROOT), method_map, options_map, keywords=i18n.KEYWORDS):
        extracted.add(msg if isinstance(msg, str) else tuple(msg[:2]), locations=[(_file, line)], context=ctx)
    return extracted


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{\d\}|%\(\w+\)s", text))


def test_arabic_catalogue_is_complete():
    """Every message of the code (templates, Python, scripts) has a non-empty, non-fuzzy Arabic
    translation with the same placeholders (a plural form may leave out the count: "حدثان")."""
    cat = _catalogue()
    extracted = _extracted()
    assert len(extracted) > 200  # the extraction found the code's strings
    missing, untranslated, wrong = [], [], []
    for m in extracted:
        if not m.id:
            continue
        ours = cat.get(m.id)
        if ours is None or type(ours.id) is not type(m.id) or (isinstance(m.id, tuple) and ours.id != m.id):
            missing.append(m.id)
            continue
        forms = ours.string if isinstance(ours.string, tuple) else (ours.string,)
        if ours.fuzzy or not all(forms):
            untranslated.append(m.id)
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        wanted = set().union(*map(_placeholders, ids))
        count = re.findall(r"\{\d\}|%\(\w+\)s", ids[0])[:1] if len(ids) > 1 else []
        for form in forms:
            if not (wanted - set(count) <= _placeholders(form) <= wanted):
                wrong.append((m.id, form))
    assert not missing, f"strings of the code not in the Arabic catalogue (run `make messages`): {missing}"
    assert not untranslated, f"untranslated or fuzzy in the Arabic catalogue: {untranslated}"
    assert not wrong, f"placeholders differ from the msgid: {wrong}"
    assert cat.num_plurals == 6


def test_compiled_catalogue_is_current():
    """The .mo that `make install` compiles holds exactly the .po's translations."""
    from babel.messages.mofile import read_mo

    mo = AR_PO.with_suffix(".mo")
    assert mo.exists(), "app/locale/ar/LC_MESSAGES/messages.mo is missing: run `make catalogues`"
    def flat(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    with mo.open("rb") as fp:
        compiled = {flat(m.id): flat(m.string) for m in read_mo(fp) if m.id}
    source = {flat(m.id): flat(m.string) for m in _catalogue() if m.id and not m.fuzzy}
    assert compiled == source, "messages.mo is older than messages.po: run `make catalogues`"


def test_scripts_strings_reach_the_browser_with_plural_forms():
    """The scripts' T() strings and TN() plurals are in the catalogue the Arabic page carries,
    each plural keyed by CLDR category (what Intl.PluralRules names), and English gets none."""
    cat = json.loads(i18n.js_catalogue("ar"))
    assert cat["Copied."] == "تم النسخ." and cat["Last reported {0}"] == "آخر تقرير في {0}"
    forms = cat["{0} day earlier"]
    assert set(forms) == {"zero", "one", "two", "few", "many", "other"}
    assert forms["two"] == "قبل يومين" and forms["few"] == "قبل {0} أيام" and forms["many"] == "قبل {0} يومًا"
    assert i18n.js_catalogue("en") == ""
    js_ids = {m for m in i18n.js_msgids()}
    assert ("{0} source", "{0} sources") in js_ids and "Reports disagree on {0}:" in js_ids


def test_supported_languages_come_from_catalogues():
    assert i18n.supported() == ("en", "ar")
    assert i18n.translations("ar").gettext("Share") == "مشاركة"
    assert i18n.translations("en").gettext("Share") == "Share"


def test_stale_mo_is_compiled_in_memory(tmp_path, monkeypatch):
    folder = tmp_path / "ar" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_bytes(AR_PO.read_bytes())  # no .mo beside it
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.supported.cache_clear(), i18n.translations.cache_clear()
    try:
        assert i18n.translations("ar").gettext("Copy") == "نسخ"
    finally:
        monkeypatch.undo()
        i18n.supported.cache_clear(), i18n.translations.cache_clear()


@pytest.mark.parametrize("header, lang", [
    ("ar", "ar"), ("ar-SY,ar;q=0.9,en;q=0.8", "ar"), ("en-GB,en;q=0.9,ar;q=0.8", "en"),
    ("fr-FR,ar;q=0.5", "ar"), ("fr, de", "en"), ("", "en"), ("ar;q=0", "en"), ("*", "en"), ("ar;q=x", "en"),
])
def test_negotiate(header, lang):
    assert i18n.negotiate(header) == lang


def _html_tag(text: str) -> str:
    return re.search(r"<html[^>]*>", text).group(0)


@pytest.mark.parametrize("path", ["/", "/embed", "/events", "/compare", "/table", "/events/2024-12-07-homs-clashes-c4dd",
                                  "/sources/06a945a22a1cf9b6", "/sources/no-such-source"])
def test_lang_param_gives_arabic_rtl(client, path):
    sep = "&" if "?" in path else "?"
    r = client.get(f"{path}{sep}lang=ar")
    assert r.status_code == (404 if "no-such" in path else 200), r.text[:300]
    assert _html_tag(r.text) == '<html lang="ar" dir="rtl">'
    assert "/static/rtl.css" in r.text
    assert "Accept-Language" in r.headers["vary"]


def test_accept_language_chooses_when_lang_absent(client):
    r = client.get("/", headers={"Accept-Language": "ar-SY,ar;q=0.9,en;q=0.5"})
    assert _html_tag(r.text) == '<html lang="ar" dir="rtl">'
    assert "Accept-Language" in r.headers["vary"] and "HX-Request" in r.headers["vary"]
    en = client.get("/", headers={"Accept-Language": "en"})
    assert _html_tag(en.text) == '<html lang="en">'
    assert "rtl.css" not in en.text and "/strings/" not in en.text and "i18n.js" not in en.text
    # lang in the URL wins over the header, both ways
    assert _html_tag(client.get("/?lang=en", headers={"Accept-Language": "ar"}).text) == '<html lang="en">'
    assert _html_tag(client.get("/?lang=ar", headers={"Accept-Language": "en"}).text).startswith('<html lang="ar"')


@pytest.mark.parametrize("path", ["/", "/embed", "/events", "/compare", "/table", "/sources/x"])
@pytest.mark.parametrize("bad", ["fr", "AR", "ar-SY", "<b>", "x" * 200])
def test_bad_lang_is_422_naming_it(client, path, bad):
    r = client.get(path, params={"lang": bad})
    assert r.status_code == 422, (path, bad, r.status_code)
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["query", "lang"] and detail["msg"].startswith("lang:")


def test_arabic_page_strings_dates_and_names(client):
    page = client.get("/?date=2024-12-07&lang=ar").text
    assert "مشاركة" in page and "ما تغيّر في" in page  # Share, What changed on
    assert "السبت، 7 ديسمبر 2024" in page  # CLDR's full date, Latin digits (ar's default numbering)
    assert ">Share<" not in page and "What changed on" not in page
    # place names in Arabic first, English beside them
    assert re.search(r'data-place="homs">حمص</a> <span class="nat" lang="en" dir="auto">Homs</span>', page)
    # the browser's catalogue rides on #map, only here
    # the browser's catalogue: a script only this language's pages load, before static/i18n.js
    url = unescape(re.search(r'<script defer src="(/strings/ar\.js\?v=[0-9a-f]+)"></script><script defer src="/static/i18n\.js', page).group(1))
    script = client.get(url)
    assert script.headers["content-type"].startswith("text/javascript") and "immutable" in script.headers["cache-control"]
    assert script.text.startswith("window.tidemarkStrings={") and script.text.endswith("};\n")
    cat = json.loads(script.text[len("window.tidemarkStrings="):-2])
    assert cat["Copied."] == "تم النسخ." and cat["capture"] == "سيطرة"
    assert client.get("/strings/en.js").status_code == 404 and client.get("/strings/xx.js").status_code == 404
    assert 'data-locale="ar-u-nu-latn"' in page


def test_arabic_links_keep_lang(client):
    page = client.get("/?date=2024-12-07&lang=ar").text
    links = re.findall(r'href="(/[^"]*\?[^"]*)"', unescape(page))
    ours = [u for u in links if u.startswith(("/?", "/compare", "/events?"))]
    assert ours and all("lang=ar" in u for u in ours), [u for u in ours if "lang=ar" not in u]
    assert '<input type="hidden" name="lang" value="ar">' in page  # the slider's form: HTMX and pushed URLs
    share = re.search(r'id="share-link" readonly value="([^"]*)"', page).group(1)
    assert "lang=ar" in unescape(share)
    iframe = unescape(re.search(r'<textarea id="share-embed"[^>]*>([^<]*)', page).group(1))
    assert "/embed?" in iframe and "lang=ar" in unescape(iframe)
    # the language switch leads to the same view in English, explicitly
    assert re.search(r'<a href="\?date=2024-12-07&amp;lang=en" hreflang="en" lang="en">English</a>', page)
    # an HTMX step keeps it too
    frag = client.get("/?date=2024-12-06&lang=ar", headers={"HX-Request": "true"}).text
    assert "ما تغيّر في" in frag


def test_oembed_keeps_lang(client):
    base = str(client.base_url)
    r = client.get("/oembed", params={"url": f"{base}/?date=2024-12-07&lang=ar"})
    assert r.status_code == 200
    body = r.json()
    assert "lang=ar" in body["html"] and "من سيطر على ماذا" in body["title"]
    assert client.get("/oembed", params={"url": f"{base}/?lang=xx"}).status_code == 404


def test_english_page_unchanged_by_default(client):
    page = client.get("/?date=2024-12-07").text
    assert _html_tag(page) == '<html lang="en">'
    assert "Saturday 7 December 2024" in page and "What changed on 7 Dec 2024" in page
    rest = re.sub(r'<(a|link) [^>]*hreflang="ar"[^>]*>', "", page)
    assert "&amp;lang=" not in rest and "?lang=" not in rest  # no language in the English page's links
    assert '<a href="?date=2024-12-07&amp;lang=ar" hreflang="ar" lang="ar">العربية</a>' in page


def test_source_page_in_arabic_keeps_lang(client):
    page = client.get("/sources/06a945a22a1cf9b6?lang=ar").text
    assert "تاريخ النشر" in page and "Published" not in page
    assert 'href="/?lang=ar"' in page
    assert re.search(r'href="/events/[^"]+\?lang=ar">الحدث</a>', page)


def _visible_text(page: str) -> str:
    """The page's text and its labelling attributes, without the data the interface only relays
    (outlets, summaries, English names marked lang="en")."""
    body = page[page.index("<body"):]
    body = re.sub(r'<textarea[^>]*>[^<]*</textarea>', "", body)
    attrs = " ".join(re.findall(r'(?:title|aria-label|placeholder)="([^"]*)"', body))
    body = re.sub(r'<(span|a)[^>]*lang="en"[^>]*>[^<]*</\1>', "", body)
    body = re.sub(r'<a [^>]*>[^<]*</a>', "", body)  # links: outlets and places (checked apart)
    body = re.sub(r'<p>[^<]*', "<p>", body)  # an event's summary: our English data
    return unescape(re.sub(r"<[^>]+>", " ", body) + " " + attrs)


def test_arabic_page_of_the_last_day_is_arabic_throughout(client):
    """8 Dec 2024 in Arabic: the legend and its key, the freshness and disagreement texts, the
    filters and the sides' names are Arabic; no English interface word is left."""
    page = client.get("/?date=2024-12-08&lang=ar").text
    legend = re.search(r'<ul class="legend".*?</ul>', page, re.S).group(0)
    # sides' names from data/sides.csv's `short_names`/`names`, with the split reported / last known
    assert "<span>إدارة العمليات العسكرية:</span> <b>12</b> مُبلَّغ عنها، <b>12</b> آخر ما عُرف" in legend
    assert 'title="الحكومة السورية (الأسد) والقوات الحليفة"' in legend and "<span>الحكومة:</span>" in legend
    assert "HTS-led MOC" not in legend and "reported" not in legend
    key = re.search(r'<p class="key">.*?</p>', page, re.S).group(0)
    assert "أبلغ عنه مصدر" in key and "آخر ما عُرف: لا تقرير منذ أكثر من 3 أيام" in key and "غير مؤرشف هنا" in key
    filters = re.search(r'<div class="filters".*?</div>', page, re.S).group(0)
    assert 'aria-label="المرشِّحات"' in filters and ">الطرف <select" in filters and ">الحدث <select" in filters
    assert '<option value="moc">إدارة العمليات العسكرية' in filters and '<option value="capture">سيطرة' in filters
    assert 'placeholder="بأي كتابة"' in filters and '<option value="">الكل' in filters
    disputed = re.search(r'<section class="disputed">.*?</section>', page, re.S).group(0)
    assert "<h2>تقارير متعارضة</h2>" in disputed
    assert "8 ديسمبر: تقريران يقولان تحت سيطرة المعارضة، واحد يقول متنازع عليه." in disputed
    assert "هجوم المعارضة في سوريا" in page  # the conflict's title from conflict.yaml's translations
    text = _visible_text(page)
    english = re.findall(r"\b(?:reported|last known|sources?|outlets?|languages?|agree|single|Side|Event|Place|all|"
                         r"any script|Reports disagree|filtered|held by|contested|Share|Copy|Download|Held|Government|"
                         r"Opposition|HTS|SDF|Syria offensive|change|Play|Timeline|Data|events CSV|table)\b", text)
    assert not english, english


def test_sides_and_titles_fall_back_to_english(client):
    """A language without a side's name shows the English one; the API keeps its fields and adds
    the names in other languages."""
    from app.models import Side

    side = Side(code="x", name="X force", short_name="X", colour="#000000", coalition="foreign",
                names={"ar": "قوة إكس"}, short_names={})
    assert i18n.side_name(side, lang="ar") == "قوة إكس" and i18n.side_name(side, short=True, lang="ar") == "X"
    assert i18n.side_name(side, lang="en") == "X force" and i18n.side_name(None) == ""
    body = client.get("/api/control.geojson?date=2024-12-08").json()
    moc = next(s for s in body["sides"] if s["code"] == "moc")
    assert moc["short_name"] == "HTS-led MOC" and moc["short_names"] == {"ar": "إدارة العمليات العسكرية"}
    assert moc["names"]["ar"] == "إدارة العمليات العسكرية بقيادة هيئة تحرير الشام"
    assert body["conflict"]["title"] == "Syria offensive"
    assert body["conflict"]["translations"]["ar"]["title"] == "هجوم المعارضة في سوريا"
    listed = client.get("/api/sides.json").json()["sides"]
    assert next(s for s in listed if s["code"] == "sdf")["short_names"] == {"ar": "قسد"}
    english = client.get("/?date=2024-12-08").text
    assert "<span>HTS-led MOC:</span> <b>12</b> reported, <b>12</b> last known" in english
    assert "إدارة العمليات" not in english


@pytest.mark.parametrize("path, arabic", [
    ("/table?date=2024-12-08&lang=ar", ["المعارضة", "تحت سيطرة"]),
    ("/compare?lang=ar", ["الحكومة السورية (الأسد) والقوات الحليفة", "هجوم المعارضة في سوريا"]),
    ("/events/2024-12-07-homs-clashes-c4dd?lang=ar", ["هجوم المعارضة في سوريا"]),
    ("/events?date=2024-12-08&lang=ar&side=moc", ["(مُرشَّحة)"]),
])
def test_other_pages_name_sides_in_arabic(client, path, arabic):
    page = client.get(path).text
    for word in arabic:
        assert word in page, (path, word)
    assert "Syria offensive" not in page


def test_stylesheet_words_in_arabic_only_for_arabic(client):
    """tidemark.css's one word of its own (after a cited report's link) is translated by /i18n.css,
    which only a page in another language links."""
    assert 'href="/i18n.css?lang=ar"' in client.get("/?lang=ar").text
    assert "/i18n.css" not in client.get("/").text
    css = client.get("/i18n.css?lang=ar")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.text == '.rep::after{content:" · تقرير مستشهد به"}\n'
    assert client.get("/i18n.css?lang=xx").status_code == 422


def test_share_card_speaks_the_views_language(client):
    """The Arabic page names an Arabic card (its legend, title and place names from the data and the
    catalogue), a different picture from the English one."""
    from app import preview

    page = client.get("/?date=2024-12-08&lang=ar").text
    card = re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1)
    assert unescape(card).endswith("/preview.png?date=2024-12-08&lang=ar")
    ar = client.get("/preview.png?date=2024-12-08&lang=ar")
    en = client.get("/preview.png?date=2024-12-08")
    assert ar.status_code == en.status_code == 200 and ar.headers["content-type"] == "image/png"
    assert ar.content != en.content and ar.headers["etag"] != en.headers["etag"]
    collection = client.get("/api/control.geojson?date=2024-12-08").json()
    i18n.set_current("ar")
    try:
        rows = preview.legend_rows(collection)
    finally:
        i18n.set_current("en")
    assert ("#30b164", "إدارة العمليات العسكرية", "12 مُبلَّغ عنها، 12 آخر ما عُرف") in rows
    assert preview.legend_rows(collection)[1] == ("#30b164", "HTS-led MOC", "12 reported, 12 last known")


def test_source_and_event_links_keep_lang(client):
    """A source's or an event's page opened from a page in Arabic is in Arabic too: our own links
    carry `lang` (before the #fragment); outside links do not change."""
    page = unescape(client.get("/?date=2024-12-08&lang=ar").text)
    sources = re.findall(r'href="(/sources/[^"]*)"', page)
    assert sources and all(re.match(r"/sources/[^?#]+\?lang=ar(#q-.+)?$", u) for u in sources), sources[:5]
    for path in ("/table?date=2024-12-08&lang=ar", "/compare?lang=ar", "/events/2024-12-07-homs-clashes-c4dd?lang=ar"):
        linked = re.findall(r'href="(/sources/[^"]*)"', unescape(client.get(path).text))
        assert linked and all("lang=ar" in u for u in linked), (path, linked[:3])
    english = client.get("/?date=2024-12-08").text
    english_sources = re.findall(r'href="(/sources/[^"]*)"', english)
    assert english_sources and not any("lang=" in u for u in english_sources)
    assert i18n.with_lang("https://example.org/x") == "https://example.org/x"
