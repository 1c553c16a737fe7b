"""The JSON API and the source page, against a database loaded from data/."""
import csv
import html
import io
import re

import pytest

from app.config import ROOT


def feature(body: dict, place: str) -> dict:
    return next(f for f in body["features"] if f["properties"]["id"] == place)


def sides_of(coalition: str) -> set[str]:
    with (ROOT / "data" / "sides.csv").open(encoding="utf-8") as f:
        return {r["code"] for r in csv.DictReader(f) if r["coalition"] == coalition}


def test_daraa_is_held_by_the_opposition_on_7_december_citing_the_seeds(client):
    r = client.get("/api/control.geojson", params={"date": "2024-12-07"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    props = feature(r.json(), "daraa")["properties"]
    assert props["side"] in sides_of("opposition")
    assert props["coalition"] == "opposition" and props["status"] == "held"
    assert props["corroboration"] >= 2
    ids = {s["id"] for s in props["sources"]}
    assert "c4ddbf82e4232d97" in ids  # the Bulgarian article: "control Daraa"
    for s in props["sources"]:
        assert s["url"].startswith(f"/sources/{s['id']}#q-")
        assert s["outlet"] and s["published"]
        # an archived article is quoted; a cited report (e.g. AFP via L'Orient-Le Jour) is summarised
        assert s["quote"] if s["kind"] == "article" else s["summary"], s


def test_aleppo_is_held_by_the_government_on_26_november_citing_its_baseline(client):
    body = client.get("/api/control.geojson?date=2024-11-26").json()
    props = feature(body, "aleppo")["properties"]
    assert props["coalition"] == "government" and props["status"] == "baseline"
    assert props["since"] == "2024-11-26"
    [ref] = props["sources"]
    assert ref["url"].startswith("https://") and ref["kind"] == "baseline"
    assert "quote" not in ref and ref["summary"]


def test_aleppo_has_changed_hands_by_2_december(client):
    props = feature(client.get("/api/control.geojson?date=2024-12-02").json(), "aleppo")["properties"]
    assert props["coalition"] == "opposition"


def test_feature_shape(client):
    body = client.get("/api/control.geojson?date=2024-12-08").json()
    assert body["type"] == "FeatureCollection" and body["date"] == "2024-12-08"
    for f in body["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        p = f["properties"]
        assert set(p) >= {"id", "name", "names", "kind", "side", "side_name", "coalition", "status",
                          "since", "corroboration", "sources"}
        assert p["status"] in {"held", "contested", "withdrawn", "baseline"}
        assert p["sources"], p["id"]
        for s in p["sources"]:
            assert set(s) >= {"id", "kind", "title", "outlet", "language", "published", "url",
                              "original_url", "summary"}
            assert ("quote" in s) == (s["kind"] == "article"), s  # only archived articles quote


def test_without_date_the_latest_date_is_used(client):
    timeline = client.get("/api/timeline.json").json()
    body = client.get("/api/control.geojson").json()
    assert body["date"] == timeline["end"]


def test_every_served_quote_is_highlighted_on_its_source_page(client):
    seen = 0
    for day in ("2024-11-26", "2024-12-02", "2024-12-05", "2024-12-07", "2024-12-08"):
        for f in client.get(f"/api/control.geojson?date={day}").json()["features"]:
            for s in f["properties"]["sources"]:
                if s["id"] is None or s["kind"] == "report":  # baseline and cited reports carry no quote
                    continue
                page = client.get(s["url"].split("#")[0])
                assert page.status_code == 200
                anchor = s["url"].split("#")[1]
                text = html.unescape(re.sub(r"<[^>]+>", "", page.text))
                assert s["quote"] in text
                m = re.search(rf'<mark class="quote" id="([^"]+)" data-events="([^"]*\b{anchor[2:]}\b[^"]*)">',
                              page.text)
                assert m, anchor
                seen += 1
    assert seen > 10


def test_events_json_filters(client):
    all_events = client.get("/api/events.json?_size=1000").json()  # one page holds them all
    assert all_events["count"] == len(all_events["events"]) > 20 and all_events["next"] is None
    r = client.get("/api/events.json", params={"from": "2024-12-07", "to": "2024-12-07", "type": "capture"})
    events = r.json()["events"]
    assert events and all(e["date"] == "2024-12-07" and e["type"] == "capture" for e in events)
    r = client.get("/api/events.json", params=[("place", "daraa"), ("place", "homs")])
    assert {e["place"]["id"] for e in r.json()["events"]} == {"daraa", "homs"}
    r = client.get("/api/events.json", params={"side": "gov"})
    assert all("gov" in (e["actor"], e["control"]) for e in r.json()["events"])


def test_events_csv_uses_acled_columns(client):
    r = client.get("/api/events.csv?place=aleppo")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(r.text))
    assert {"event_date", "time_precision", "event_type", "actor1", "location", "latitude",
            "longitude", "geo_precision", "source", "notes"} <= set(reader.fieldnames)
    rows = list(reader)
    assert rows and all(row["location"] == "Aleppo" for row in rows)
    assert {row["time_precision"] for row in rows} <= {"1", "2", "3"}


def test_source_json_and_html(client):
    j = client.get("/api/sources/05cd8124109c73fd")
    assert j.status_code == 200
    body = j.json()
    assert body["language"] == "ar" and body["quotes"]
    for q in body["quotes"]:
        assert body["text"][q["start"]:q["end"]] == q["quote"]
    page = client.get("/sources/05cd8124109c73fd")
    assert page.status_code == 200
    assert 'lang="ar" dir="rtl"' in page.text
    assert 'rel="alternate"' in page.headers["link"]


def test_source_text_is_escaped(client):
    page = client.get("/sources/457d23cbc2c2c0b6").text
    assert "<script" not in page.lower()
    assert "&amp;" in page or "&#34;" in page or "&#39;" in page  # quotes/ampersands in the text are escaped


def test_unknown_ids_are_404(client):
    assert client.get("/api/sources/nope").status_code == 404
    assert client.get("/sources/nope").status_code == 404
    assert client.get("/sources/" + "x" * 5000).status_code == 404


def test_healthz(client):
    assert client.get("/healthz").json()["status"] == "ok"


def test_openapi_docs_exist(client):
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


HOSTILE = [
    "2024-12-07' OR '1'='1", "1; DROP TABLE event;--", "<script>alert(1)</script>",
    "x" * 5000, "2024-02-30", "2024-13-01", "0000-01-01", "9999-99-99", "2024-12-07\x00",
    "-1", "NaN", "inf", "%00", "../../etc/passwd", "😀", "2024-1-1", " 2024-12-07",
    "1e309", "2024-12-07T00:00:00", "",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("path,name", [
    ("/api/control.geojson", "date"), ("/api/control.geojson", "include"),
    ("/api/events.json", "from"), ("/api/events.json", "to"), ("/api/events.json", "place"),
    ("/api/events.json", "side"), ("/api/events.json", "type"), ("/api/events.csv", "place"),
    ("/api/timeline.json", "include"),
])
def test_hostile_parameters_never_500(client, path, name, value):
    r = client.get(path, params={name: value})
    assert r.status_code < 500, (path, name, value, r.text[:200])
    if r.status_code == 422:
        detail = r.json()["detail"]
        assert any(name in d["loc"] or d["msg"].startswith(name) for d in detail), detail


def test_impossible_date_is_a_422_naming_the_parameter(client):
    r = client.get("/api/control.geojson?date=2024-02-30")
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"].startswith("date:")
    r = client.get("/api/events.json?from=2024-12-08&to=2024-12-01")
    assert r.status_code == 422 and "from" in r.json()["detail"][0]["msg"]


def test_repeated_parameters(client):
    r = client.get("/api/control.geojson?date=2024-12-01&date=2024-12-07")
    assert r.status_code == 200
    r = client.get("/api/events.json?type=capture&type=entry")
    assert {e["type"] for e in r.json()["events"]} <= {"capture", "entry"}


def test_nul_byte_in_a_parameter_is_rejected(client):
    r = client.get("/api/events.json?place=aleppo%00")
    assert r.status_code == 422 and "place" in r.json()["detail"][0]["msg"]


def test_security_headers(client):
    r = client.get("/api/control.geojson?date=2024-12-07")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    page = client.get("/sources/05cd8124109c73fd")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text


def test_large_responses_are_compressed(client):
    r = client.get("/api/control.geojson?date=2024-12-07", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    assert r.json()["features"]


def test_json_twin_links_back_to_the_same_html_state(client):
    r = client.get("/api/control.geojson?date=2024-12-07")
    assert r.headers["link"].startswith("</?date=2024-12-07>")
    r = client.get("/api/control.geojson?date=2024-12-07&include=proposed")
    assert r.headers["link"].startswith("</?date=2024-12-07&include=proposed>")


def test_head_is_answered_like_get_without_a_body(client):
    for path in ("/sources/05cd8124109c73fd", "/api/control.geojson?date=2024-12-07", "/healthz"):
        r = client.head(path)
        assert r.status_code == 200 and r.content == b"", path
        assert "content-security-policy" in r.headers
    assert client.head("/sources/nope").status_code == 404


def test_our_scripts_and_styles_are_served_minified_and_raw_on_request(client):
    for name in ("tidemark.js", "tidemark.css"):
        raw = (ROOT / "static" / name).read_bytes()
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and 0 < len(r.content) < len(raw) * 0.9
        assert b"/*" not in r.content  # comments gone
        assert client.get(f"/static/{name}", params={"raw": "1"}).content == raw
    assert client.get("/static/favicon.svg").status_code == 200
