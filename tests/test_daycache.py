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
