"""The same load and query on PostgreSQL, when a server is given.

Runs only with TIDEMARK_TEST_POSTGRES_URL=postgresql+psycopg://user:pass@host/db (an empty
database it may fill), after `.venv/bin/pip install -e '.[postgres]'`.
"""
import os

import pytest
from fastapi.testclient import TestClient

from app.config import ROOT, Settings
from app.db import engine_for
from app.loader import load_directory, migrate
from app.main import create_app

URL = os.environ.get("TIDEMARK_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="TIDEMARK_TEST_POSTGRES_URL is not set")


def test_load_twice_and_query_on_postgres():
    engine = engine_for(URL)
    migrate(engine)
    load_directory(ROOT / "data", engine)
    report = load_directory(ROOT / "data", engine)
    assert report.counts["events"] > 0
    client = TestClient(create_app(Settings(database_url=URL)))
    body = client.get("/api/control.geojson?date=2024-12-07").json()
    daraa = next(f for f in body["features"] if f["id"] == "daraa")["properties"]
    assert daraa["coalition"] == "opposition"
    assert client.get("/api/events.json?place=aleppo%00").status_code == 422
