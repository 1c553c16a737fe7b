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
