"""Migration 0006 (index event (place_id, date)): a database of 0005 with events gets the index and
keeps its rows; downgrading drops the index again and leaves the rest."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from app.db import engine_for
from app.loader import load_directory

from test_migration_0005 import _run  # noqa: E402  (the same Alembic runner)


def _indexes(engine) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("event")}


def test_0006_indexes_events_by_place_and_date_and_downgrades(tmp_path):
    from app.config import ROOT

    engine = engine_for(f"sqlite:///{tmp_path / 'old.db'}")
    _run(engine, command.upgrade, "0005")
    load_directory(ROOT / "data", engine)  # the bundled record, loaded into a 0005 schema
    with engine.connect() as conn:
        before = conn.execute(text("select count(*) from event")).scalar_one()
    assert before > 0 and "ix_event_place_date" not in _indexes(engine)
    _run(engine, command.upgrade, "0006")
    assert {"ix_event_place_date", "ix_event_place_id"} <= _indexes(engine)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from event")).scalar_one() == before
    _run(engine, command.downgrade, "0005")
    assert "ix_event_place_date" not in _indexes(engine) and "ix_event_place_id" in _indexes(engine)
    engine.dispose()
