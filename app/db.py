"""Engine and session handling."""
from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from .config import get_settings


@lru_cache
def engine_for(url: str) -> Engine:
    kwargs = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            # SQLAlchemy, not the sqlite3 module, starts transactions (the recipe of SQLAlchemy's
            # SQLite notes): every session is one real transaction, reads see one snapshot, and
            # SAVEPOINTs nest inside it (ingest: one transaction per run, a savepoint per article).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            conn.exec_driver_sql("BEGIN")
    return engine


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


def get_session(request: Request) -> Iterator[Session]:
    """A session on the database of the app serving this request."""
    with Session(engine_for(request.app.state.settings.database_url)) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
