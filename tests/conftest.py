"""Shared fixtures: real databases, built by the real migrations and loader from data/.

The database-facing API and loader tests run twice: on a SQLite file and on PostgreSQL (a
throwaway cluster started once per session by tests/pgcluster.py). The PostgreSQL variants are
skipped only when the server binaries are absent, and the skip says so.
"""
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
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster():
    from pgcluster import start_or_skip  # tests/ is on sys.path (rootdir conftest)

    cluster = start_or_skip()
    yield cluster
    cluster.stop()


def _empty_database(kind: str, request, directory: Path, name: str) -> str:
    if kind == "postgresql":
        return request.getfixturevalue("pg_cluster").new_database(name)
    return f"sqlite:///{directory / (name + '.db')}"


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request, tmp_path_factory) -> str:
    url = _empty_database(request.param, request, tmp_path_factory.mktemp("db"), "tidemark")
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


@pytest.fixture(params=BACKENDS)
def fresh_engine(request, tmp_path):
    """A migrated, empty database: a SQLite file, or a new database on the session's PostgreSQL."""
    engine = engine_for(_empty_database(request.param, request, tmp_path, "fresh"))
    migrate(engine)
    yield engine
    engine.dispose()


# ---- a copy of data/ with cited reports (the bundled data/ is the research helpers') ----

from report_fixture import add_reports  # noqa: E402


@pytest.fixture(scope="session")
def reports_data(tmp_path_factory) -> Path:
    """A read-only copy of data/ plus cited reports; copy it again before changing it."""
    target = tmp_path_factory.mktemp("reports") / "data"
    shutil.copytree(DATA, target)
    return add_reports(target)


def _client_for(data_dir: Path, folder: Path):
    """A test client on a SQLite file in `folder`, migrated and loaded from `data_dir`."""
    url = f"sqlite:///{folder / 'tidemark.db'}"
    engine = engine_for(url)
    migrate(engine)
    load_directory(data_dir, engine)
    with TestClient(create_app(Settings(database_url=url, assets="local")), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def reports_client(tmp_path_factory, reports_data) -> TestClient:
    yield from _client_for(reports_data, tmp_path_factory.mktemp("rdb"))


@pytest.fixture(scope="session")
def small_data(tmp_path_factory) -> Path:
    """A small made-up conflict (tests/small_conflict.py) whose facts do not move with data/."""
    from small_conflict import write_small_conflict
    return write_small_conflict(tmp_path_factory.mktemp("small") / "data")


@pytest.fixture(scope="session")
def small_client(tmp_path_factory, small_data) -> TestClient:
    yield from _client_for(small_data, tmp_path_factory.mktemp("sdb"))
