"""The OpenAPI document is precise: typed parameters, every status documented, real enums."""
import csv

from fastapi.testclient import TestClient

from app.config import ROOT, Settings
from app.loader import load_directory
from app.main import create_app


def params(doc, path):
    return {p["name"]: p["schema"] for p in doc["paths"][path]["get"]["parameters"]}


def test_parameters_are_typed(client):
    doc = client.get("/openapi.json").json()
    timeline = client.get("/api/timeline.json").json()
    days = [d["date"] for d in timeline["days"]]  # the one date rule: exactly the range's days
    assert params(doc, "/api/control.geojson")["date"] == {
        "type": "string", "format": "date", "description": "a day, YYYY-MM-DD", "title": "Date",
        "enum": days}
    assert days[0] == timeline["start"] and days[-1] == timeline["end"]
    ev = params(doc, "/api/events.json")
    assert ev["from"]["format"] == ev["to"]["format"] == "date"
    assert ev["include"]["enum"] == ["proposed"]
    assert "capture" in ev["type"]["items"]["enum"] and "anyOf" not in ev["type"]
    with (ROOT / "data" / "places.csv").open(encoding="utf-8") as f:
        assert ev["place"]["items"]["enum"] == sorted(r["id"] for r in csv.DictReader(f))
    with (ROOT / "data" / "sides.csv").open(encoding="utf-8") as f:
        assert ev["side"]["items"]["enum"] == sorted(r["code"] for r in csv.DictReader(f))


def test_every_status_is_documented_with_its_model(client):
    doc = client.get("/openapi.json").json()
    for path, item in doc["paths"].items():
        responses = item["get"]["responses"]
        assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ValidationErrorBody"), path
        if path.startswith("/api/"):
            assert "304" in responses and "ETag" in responses["200"]["headers"], path
    assert "404" in doc["paths"]["/api/sources/{article_id}"]["get"]["responses"]
    assert "text/html" in doc["paths"]["/sources/{article_id}"]["get"]["responses"]["404"]["content"]
    control = doc["paths"]["/api/control.geojson"]["get"]["responses"]
    assert control["200"]["content"]["application/geo+json"]["schema"]["$ref"].endswith("/ControlCollection")
    assert "503" in control
    props = doc["components"]["schemas"]["ControlProperties"]
    assert props["additionalProperties"] is True and "sources" in props["required"]


def test_enums_follow_the_data(fresh_engine, data_copy):
    load_directory(ROOT / "data", fresh_engine)
    url = fresh_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url, assets="local"))) as c:
        before = params(c.get("/openapi.json").json(), "/api/events.json")["place"]["items"]["enum"]
        with (data_copy / "places.csv").open("a", encoding="utf-8") as f:
            f.write("zz-new-town,New Town,ar:بلدة,35.0,37.0,test,town,Hama,,,\n")
        load_directory(data_copy, fresh_engine)
        after = params(c.get("/openapi.json").json(), "/api/events.json")["place"]["items"]["enum"]
    assert "zz-new-town" not in before and "zz-new-town" in after


def test_empty_values_are_refused_by_the_api_but_not_by_pages(client):
    for path, name in (("/api/control.geojson?date=", "date"), ("/api/events.json?from=", "from"),
                       ("/api/events.csv?to=", "to"), ("/api/timeline.json?include=", "include"),
                       ("/api/events.json?place=", "place")):
        r = client.get(path)
        assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith(name + ":"), path
    assert client.get("/?date=").status_code == 200


def test_unknown_source_page_is_an_html_404(client):
    r = client.get("/sources/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "No such source" in r.text and "nope" in r.text
    r = client.get("/sources/%3Cb%3Ex")
    assert r.status_code == 404 and "<b>x" not in r.text and "&lt;b&gt;x" in r.text
