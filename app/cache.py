"""The data version: one cheap read that tells whether the data may have changed.

Every writer (`tidemark load`, `ingest`, `review`) calls `bump_data_version` inside its own
transaction, so the version commits, or rolls back, with the data it describes. Readers call
`data_version` (one primary-key lookup) and key caches on it: the read API's ETag today
(app/httpcache.py), per-date response bodies later.

The token is random, not a counter, so a database deleted and rebuilt from scratch never
repeats a version an old cache may still hold.
"""
from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

_READ = text("SELECT version FROM dataversion WHERE id = 1")


def data_version(db: Session | Connection | Engine) -> str:
    """The current data version ("empty" before the first load; "none" without the table)."""
    if isinstance(db, Engine):
        with db.connect() as conn:
            return data_version(conn)
    try:
        value = db.execute(_READ).scalar()
    except Exception:  # a database not migrated yet: nothing to cache against
        if isinstance(db, Session):
            db.rollback()
        return "none"
    return value or "none"


def bump_data_version(session: Session) -> str:
    """Give the data a new version, in the caller's transaction (commit is the caller's)."""
    version = secrets.token_hex(8)
    updated = session.execute(text("UPDATE dataversion SET version = :v WHERE id = 1"), {"v": version})
    if updated.rowcount == 0:
        session.execute(text("INSERT INTO dataversion (id, version) VALUES (1, :v)"), {"v": version})
    return version
