"""/api/control.geojson is built once per data version and date, and served gzipped with an ETag."""
from __future__ import annotations

import gzip
import json
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from app import queries
from app.config import ROOT, Settings
from app.loader import load_directory
from app.main import create_app


def _client(engine, tmp_path) -> TestClient:
    return TestClient(create_app(Settings(database_url=str(engine.url), assets="local",
                                          cache_dir=tmp_path / "cache")))


def test_a_day_is_cached_gzipped_with_a_strong_etag_and_304(fresh_engine, tmp_path):
    load_directory(ROOT / "data", fresh_engine)
    client = _client(fresh_engine, tmp_path)
    r = client.get("/api/control.geojson?date=2024-12-07", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    etag = r.headers["etag"]
    assert etag.startswith('W/"') and "2024-12-07" in etag and "accepted" in etag
    assert "no-cache" in r.headers["cache-control"] and "Accept-Encoding" in r.headers["vary"]
    with Session(fresh_engine) as s:
        expected = queries.control_collection(s, date(2024, 12, 7))
    assert r.json() == json.loads(json.dumps(expected))
    files = list((tmp_path / "cache").rglob("2024-12-07.geojson.gz"))
    assert len(files) == 1 and json.loads(gzip.decompress(files[0].read_bytes())) == r.json()

    again = client.get("/api/control.geojson?date=2024-12-07", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag

    plain = client.get("/api/control.geojson?date=2024-12-07", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == r.json()

    other = client.get("/api/control.geojson?date=2024-12-06")
    assert other.headers["etag"] != etag


def test_new_data_gets_a_new_etag_and_body(fresh_engine, tmp_path, data_copy):
    load_directory(ROOT / "data", fresh_engine)
    client = _client(fresh_engine, tmp_path)
    before = client.get("/api/control.geojson?date=2024-12-08")
    # drop every event of one article: a different data set
    path = data_copy / "events.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if ",aleppo," not in line]
    assert len(kept) < len(lines)
    path.write_text("".join(kept), encoding="utf-8")
    load_directory(data_copy, fresh_engine)
    after = client.get("/api/control.geojson?date=2024-12-08", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    aleppo = [f for f in after.json()["features"] if f["id"] == "aleppo"][0]
    assert aleppo["properties"]["status"] == "baseline"
    # the old version's folder is gone once the new one is served
    versions = [p for p in (tmp_path / "cache").rglob("*") if p.is_dir() and p.parent.parent == tmp_path / "cache"]
    assert len(versions) == 1


def test_a_built_day_is_answered_without_a_session_and_rebuilt_when_its_file_is_gone(fresh_engine, tmp_path,
                                                                                      monkeypatch):
    """A day built already is served on the event loop from the version, the range and the file
    (no session opened); a missing file, or one pruned between the look-up and the read, is rebuilt."""
    import shutil

    from app import api, daycache

    load_directory(ROOT / "data", fresh_engine)
    client = _client(fresh_engine, tmp_path)
    url = "/api/control.geojson?date=2024-12-05"
    first = client.get(url)
    assert first.status_code == 200
    opened = []
    real_session = api._session
    monkeypatch.setattr(api, "_session", lambda request: opened.append(1) or real_session(request))
    again = client.get(url)
    assert again.status_code == 200 and again.content == first.content and opened == []
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304 and opened == []
    # out of range and malformed dates are still 422 on the fast path
    assert client.get("/api/control.geojson?date=2025-06-01").status_code == 422 and opened == []
    assert client.get("/api/control.geojson?date=2024-13-01").status_code == 422

    shutil.rmtree(tmp_path / "cache")  # e.g. a new version's first request pruned this one
    rebuilt = client.get(url)
    assert rebuilt.status_code == 200 and rebuilt.json() == first.json() and len(opened) == 1

    real_read = daycache.Cached.gzip_bytes
    calls = []

    def vanishes_once(self):
        calls.append(1)
        if len(calls) == 1:
            shutil.rmtree(tmp_path / "cache")  # pruned between the look-up and the read
        return real_read(self)

    monkeypatch.setattr(daycache.Cached, "gzip_bytes", vanishes_once)
    raced = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert raced.status_code == 200 and raced.json() == first.json() and len(calls) == 2


def test_healthz_names_the_conflict_and_follows_a_load(fresh_engine, tmp_path):
    from app.loader import migrate

    migrate(fresh_engine)
    client = _client(fresh_engine, tmp_path)
    assert client.get("/healthz").json() == {"status": "ok", "conflict": None}
    load_directory(ROOT / "data", fresh_engine)
    assert client.get("/healthz").json()["conflict"] not in (None, "")
