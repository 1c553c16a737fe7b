"""Migration 0005 (translated names): a database of 0004 with data keeps its rows, which get no
translations ({}) until the next load; downgrading removes the columns again."""
from __future__ import annotations

import json

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from app.config import ROOT
from app.db import engine_for
from app.loader import load_directory


def _run(engine, *args) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        args[0](cfg, *args[1:])


def test_0005_adds_translated_names_to_a_database_with_data(tmp_path):
    engine = engine_for(f"sqlite:///{tmp_path / 'old.db'}")
    _run(engine, command.upgrade, "0004")
    with engine.begin() as conn:
        conn.execute(text("insert into side (code, name, short_name, colour, coalition, description, position) "
                          "values ('gov', 'Government forces', 'Government', '#ba2027', 'government', '', 0)"))
    _run(engine, command.upgrade, "0005")
    with engine.connect() as conn:
        row = conn.execute(text("select names, short_names from side where code = 'gov'")).one()
    assert tuple(row) == ("{}", "{}")
    load_directory(ROOT / "data", engine)  # the next load fills them
    with engine.connect() as conn:
        names = conn.execute(text("select short_names from side where code = 'gov'")).scalar_one()
        translations = conn.execute(text("select translations from conflict")).scalar_one()
    assert json.loads(names) == {"ar": "الحكومة"}
    assert json.loads(translations)["ar"]["title"] == "هجوم المعارضة في سوريا"
    _run(engine, command.downgrade, "0004")
    columns = {c["name"] for c in inspect(engine).get_columns("side")}
    assert "names" not in columns and "short_names" not in columns
    assert "translations" not in {c["name"] for c in inspect(engine).get_columns("conflict")}
    engine.dispose()
