"""The dashboard's HTTP contract, without a browser: fragments, headers, validation, assets."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.assets import ASSETS, DOCS_ASSETS
from app.config import ROOT, Settings
from app.main import create_app
from app.pages import PANEL_EVENTS

HX = {"HX-Request": "true"}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def varies(response) -> set[str]:
    """The Vary tokens (GZip adds Accept-Encoding to large responses)."""
    return {v.strip() for v in response.headers.get("vary", "").split(",")}


def meta(html: str, key: str) -> str:
    for tag, attrs in tags(html):
        if tag == "meta" and key in (attrs.get("name"), attrs.get("property")):
            return attrs.get("content", "")
    raise AssertionError(f"no meta {key}")


def test_full_page_has_state_meta_and_headers(client):
    r = client.get("/?date=2024-12-07&place=daraa&lat=33.5&lon=36.3&zoom=8")
    assert r.status_code == 200
    assert "HX-Request" in varies(r)
    assert r.headers["link"] == '</api/control.geojson?date=2024-12-07>; rel="alternate"; type="application/geo+json"'
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    html = r.text
    assert "<title>Syria offensive — who held what on 7 Dec 2024</title>" in html
    assert meta(html, "og:title") == "Syria offensive — who held what on 7 Dec 2024"
    assert meta(html, "twitter:title") == meta(html, "og:title")
    assert "Saturday 7 December 2024" in meta(html, "description")
    assert "place=daraa" in meta(html, "og:url") and "zoom=8" in meta(html, "og:url")
    form = {a.get("name"): a for t, a in tags(html) if t == "input" and a.get("name")}
    assert form["date"]["value"] == "2024-12-07" and form["place"]["value"] == "daraa"
    assert form["lat"]["value"] == "33.5000" and form["zoom"]["value"] == "8"
    assert 'value="11"' in re.search(r'<input type="range"[^>]*>', html).group(0)


def test_htmx_request_gets_only_the_blocks(client):
    r = client.get("/?date=2024-12-07", headers=HX)
    assert r.status_code == 200 and "HX-Request" in varies(r)
    assert "<html" not in r.text and "<body" not in r.text
    assert r.text.lstrip().startswith("<title>Syria offensive — who held what on 7 Dec 2024</title>")
    assert re.search(r'<output id="when"[^>]*hx-swap-oob="true"', r.text)
    assert 'class="held" data-date="2024-12-07"' in r.text
    assert 'id="map"' not in r.text  # the map stays; only its data changes


def test_history_restore_gets_the_full_page_without_oob(client):
    r = client.get("/?date=2024-12-07", headers={**HX, "HX-History-Restore-Request": "true"})
    assert r.text.lstrip().lower().startswith("<!doctype html>")
    assert "hx-swap-oob" not in r.text  # in a full page an out-of-band marker would misfire


def test_embed_headers_and_slider_switch(client):
    r = client.get("/embed?date=2024-12-07")
    assert r.status_code == 200
    assert "frame-ancestors *" in r.headers["content-security-policy"]
    assert "x-frame-options" not in r.headers
    assert 'id="slider"' in r.text and "Open full map" in r.text
    assert 'href="http://testserver/?date=2024-12-07"' in r.text
    hidden = client.get("/embed?date=2024-12-07&slider=0").text
    assert 'id="slider"' not in hidden and 'id="map"' in hidden
    fragment = client.get("/embed?date=2024-12-02", headers=HX).text
    assert "<html" not in fragment and "Monday 2 December 2024" in fragment


@pytest.mark.parametrize("query, name", [
    ("date=2024-02-30", "date"), ("date=7-12-2024", "date"), ("date=2019-01-01", "date"),
    ("date=2024-12-07%27%20OR%201=1--", "date"), ("lat=north&lon=36", "lat"), ("lat=91&lon=36", "lat"),
    ("lat=33&lon=nan", "lon"), ("lat=33", "lon"), ("zoom=20", "zoom"), ("zoom=7.5", "zoom"),
    ("place=%3Cscript%3Ealert(1)%3C/script%3E", "place"), ("place=aleppo%27--", "place"),
    ("date=" + "9" * 5000, "date"), ("date=2024-12-07&date=bad", "date"), ("place=%00", "place"),
])
@pytest.mark.parametrize("path", ["/", "/embed"])
def test_bad_parameters_are_422_naming_them(client, path, query, name):
    r = client.get(f"{path}?{query}")
    assert r.status_code == 422, r.text[:300]
    assert r.json()["detail"][0]["loc"][-1] == name
    assert name in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize("query, name", [("slider=2", "slider"), ("offset=-1", "offset")])
def test_bad_page_specific_parameters(client, query, name):
    path = "/embed" if name == "slider" else "/events"
    r = client.get(f"{path}?{query}")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == name


def test_no_inline_script_or_style_and_every_script_has_sri(client):
    for url in ("/?date=2024-12-07", "/embed?date=2024-12-07", "/events?date=2024-12-08"):
        html = client.get(url).text
        for tag, attrs in tags(html):
            assert "style" not in attrs, (url, tag, attrs)
            assert not any(k.startswith("on") for k in attrs), (url, tag, attrs)
            if tag == "script":
                assert attrs.get("src"), f"inline script in {url}"
                if not attrs["src"].startswith("/static/"):
                    assert attrs.get("integrity", "").startswith("sha384-")


def test_events_are_paged_and_the_rest_loads_on_demand(client):
    full = client.get("/events?date=2024-12-08")
    assert full.status_code == 200 and "HX-Request" in varies(full)
    total = full.text.count('class="pl"')
    page = client.get("/?date=2024-12-08").text
    shown = page.split('class="events"', 1)[1].count('class="pl"')
    if total > PANEL_EVENTS:
        # each fragment ends with a link to the next page until every event is shown
        loaded, fragment = shown, page
        while m := re.search(r'hx-get="/events\?date=2024-12-08&amp;offset=(\d+)"', fragment):
            fragment = client.get(f"/events?date=2024-12-08&offset={m.group(1)}", headers=HX).text
            assert "<html" not in fragment
            loaded += fragment.count('class="pl"')
        assert loaded >= total
    else:
        assert shown == total


def test_sides_css_has_every_side_colour(client):
    css = client.get("/sides.css")
    assert css.headers["content-type"].startswith("text/css")
    for side in client.get("/api/sides.json").json()["sides"]:
        assert f".c-{side['code']}{{--c:{side['colour']}}}" in css.text


def test_cdn_mode_pins_versions_with_sri_and_local_mode_serves_node_modules(db_url, client):
    with TestClient(create_app(Settings(database_url=db_url, assets="cdn"))) as cdn:
        html = cdn.get("/").text
        assert cdn.get("/vendor/leaflet/dist/leaflet.js").status_code == 404
        csp = cdn.get("/").headers["content-security-policy"]
        assert "https://unpkg.com" in csp
    for name, asset in ASSETS.items():
        assert f'src="{asset.cdn_url}"' in html or f'href="{asset.cdn_url}"' in html
        assert f'integrity="{asset.integrity}"' in html
    assert html.count('crossorigin="anonymous"') == len(ASSETS)
    local = client.get(ASSETS["leaflet.js"].local_url)
    assert local.status_code == 200 and local.headers["content-type"].startswith("text/javascript")
    assert client.get("/vendor/leaflet/package.json").status_code == 404
    assert client.get("/vendor/leaflet/../../app/config.py").status_code == 404


def test_pinned_versions_and_hashes_match_package_files():
    package = json.loads((ROOT / "package.json").read_text())["dependencies"]
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    for asset in (*ASSETS.values(), *DOCS_ASSETS.values()):
        assert package[asset.package] == asset.version
        assert lock[f"node_modules/{asset.package}"]["version"] == asset.version
        if asset.file.exists():  # npm ci has run: the bytes unpkg serves are these
            digest = base64.b64encode(hashlib.sha384(asset.file.read_bytes()).digest()).decode()
            assert asset.integrity == f"sha384-{digest}", asset.path


@pytest.mark.parametrize("path,names", [("/docs", ("swagger-ui.css", "swagger-ui.js")), ("/redoc", ("redoc.js",))])
def test_api_docs_load_pinned_files_with_sri_and_no_inline_script(db_url, client, path, names):
    with TestClient(create_app(Settings(database_url=db_url, assets="cdn"))) as cdn:
        r = cdn.get(path)
    for name in names:
        asset = DOCS_ASSETS[name]
        assert asset.cdn_url in r.text and f'integrity="{asset.integrity}"' in r.text
        local = client.get(asset.local_url)
        assert local.status_code == 200 and len(local.content) > 1000
    assert "cdn.jsdelivr.net" not in r.text + r.headers["content-security-policy"]
    assert "script-src 'self' https://unpkg.com;" in r.headers["content-security-policy"]
    for tag, attrs in tags(client.get(path).text):
        if tag == "script":
            assert attrs.get("src"), f"inline script in {path}"
