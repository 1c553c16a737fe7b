"""Shared fixtures: a real SQLite file, built by the real migrations and loader from data/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import ROOT, Settings
from app.db import engine_for
from app.loader import load_directory, migrate
from app.main import create_app

DATA = ROOT / "data"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("db") / "tidemark.db"
    url = f"sqlite:///{path}"
    engine = engine_for(url)
    migrate(engine)
    load_directory(DATA, engine)
    return url


@pytest.fixture(scope="session")
def client(db_url) -> TestClient:
    app = create_app(Settings(database_url=db_url, assets="local"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ to break on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def fresh_engine(tmp_path):
    engine = engine_for(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(engine)
    return engine


# ---- a copy of data/ with cited reports (the bundled data/ is the research helpers') ----

from report_fixture import add_reports  # noqa: E402


@pytest.fixture(scope="session")
def reports_data(tmp_path_factory) -> Path:
    """A read-only copy of data/ plus cited reports; copy it again before changing it."""
    target = tmp_path_factory.mktemp("reports") / "data"
    shutil.copytree(DATA, target)
    return add_reports(target)


@pytest.fixture(scope="session")
def reports_client(tmp_path_factory, reports_data) -> TestClient:
    path = tmp_path_factory.mktemp("rdb") / "tidemark.db"
    engine = engine_for(f"sqlite:///{path}")
    migrate(engine)
    load_directory(reports_data, engine)
    app = create_app(Settings(database_url=f"sqlite:///{path}", assets="local"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
