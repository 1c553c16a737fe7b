"""HTTP caching (ETag on the data version, 304), CORS on the read API, browser security headers."""
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.cache import bump_data_version, data_version
from app.config import ROOT, Settings
from app.loader import LoadError, load_directory, rebuild_periods
from app.main import create_app

GEOJSON = "/api/control.geojson?date=2024-12-07"
API_PATHS = [GEOJSON, "/api/events.json", "/api/events.csv", "/api/timeline.json",
             "/api/sides.json", "/api/sources/05cd8124109c73fd"]


@pytest.fixture
def loaded(fresh_engine):
    load_directory(ROOT / "data", fresh_engine)
    app = create_app(Settings(database_url=str(fresh_engine.url.render_as_string(hide_password=False)),
                              assets="local"))
    with TestClient(app) as c:
        yield fresh_engine, c


@pytest.mark.parametrize("path", API_PATHS)
def test_read_api_has_etag_cache_control_and_answers_304(client, path):
    r = client.get(path)
    assert r.status_code == 200
    etag = r.headers["etag"]
    assert etag.startswith('W/"') and r.headers["cache-control"] == "public, no-cache"
    assert client.get(path).headers["etag"] == etag
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": 'W/"0.1.0-other"'}).status_code == 200
    assert client.get(path, headers={"If-None-Match": f'"x", {etag}'}).status_code == 304


def test_errors_carry_no_etag(client):
    for path in ("/api/control.geojson?date=2024-02-30", "/api/sources/nope"):
        r = client.get(path)
        assert r.status_code in (404, 422) and "etag" not in r.headers


def test_etag_changes_when_a_load_changes_the_data_and_not_when_it_fails(loaded, data_copy):
    engine, c = loaded
    old = c.get(GEOJSON).headers["etag"]
    version = data_version(engine)
    assert version in old
    (data_copy / "events.csv").open("a", encoding="utf-8").write("broken,row\n")
    with pytest.raises(LoadError):
        load_directory(data_copy, engine)
    assert data_version(engine) == version and c.get(GEOJSON).headers["etag"] == old
    load_directory(ROOT / "data", engine)
    new = c.get(GEOJSON)
    assert new.headers["etag"] != old and data_version(engine) != version
    assert c.get(GEOJSON, headers={"If-None-Match": old}).status_code == 200
    assert c.get(GEOJSON, headers={"If-None-Match": new.headers["etag"]}).status_code == 304


def test_ingest_and_review_writers_change_the_version(loaded):
    from app.extract.ingest import _store
    from app.models import Article, Event

    engine, _ = loaded
    before = data_version(engine)
    with Session(engine) as s:  # what `tidemark ingest` does per article
        text = "Rebels captured Hama today."
        _store(s, Article(id="ing1", title="T", outlet="O", language="en", published=date(2024, 12, 5),
                          text=text, content_hash="h-ing1", origin="ingest"),
               [Event(id="ing1-001", date=date(2024, 12, 5), place_id="hama", type="capture",
                      actor="opp", control="opp", article_id="ing1", quote=text, quote_start=0,
                      quote_end=len(text), status="proposed")])
        s.commit()
    after_ingest = data_version(engine)
    assert after_ingest != before
    with Session(engine) as s:  # what `tidemark review` (and the end of an ingest run) does
        rebuild_periods(s)
        s.commit()
    assert data_version(engine) not in (before, after_ingest)
    with Session(engine) as s:  # rolled back: the version stays
        bump_data_version(s)
        s.rollback()
    assert data_version(engine) not in (before, after_ingest)


@pytest.mark.parametrize("path", API_PATHS + ["/api/control.geojson?date=2024-02-30"])
def test_read_api_allows_any_origin(client, path):
    r = client.get(path, headers={"Origin": "https://elsewhere.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "ETag" in r.headers["access-control-expose-headers"]


def test_preflight_and_pages_without_cors(client):
    r = client.options("/api/control.geojson", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
    assert "GET" in r.headers["access-control-allow-methods"]
    assert "If-None-Match" in r.headers["access-control-allow-headers"]
    for page in ("/", "/sources/05cd8124109c73fd", "/embed"):
        assert "access-control-allow-origin" not in client.get(page).headers, page


def test_permissions_policy_everywhere_and_coop_except_on_the_embed(client):
    for path in ("/", "/events", "/sources/05cd8124109c73fd", GEOJSON, "/healthz", "/embed"):
        policy = client.get(path).headers["permissions-policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    for path in ("/", "/events", "/sources/05cd8124109c73fd", GEOJSON):
        assert client.get(path).headers["cross-origin-opener-policy"] == "same-origin", path
    assert "cross-origin-opener-policy" not in client.get("/embed").headers
