"""Loading into a real SQLite file through the real migrations."""
import csv
import sqlite3

import pytest
from sqlalchemy import inspect

from app.config import ROOT
from app.loader import LoadError, load_directory, migrate


def dump(engine) -> dict[str, list]:
    path = engine.url.database
    con = sqlite3.connect(path)
    tables = [r[0] for r in con.execute(
        "select name from sqlite_master where type='table' and name != 'alembic_version' order by name")]
    out = {t: sorted(map(repr, con.execute(f"select * from {t}"))) for t in tables}
    con.close()
    return out


def test_migrations_create_every_table(fresh_engine):
    names = set(inspect(fresh_engine).get_table_names())
    assert {"article", "event", "place", "side", "baselineentry", "controlperiod",
            "periodevent", "conflict", "alembic_version"} <= names


def test_migrating_twice_is_harmless(fresh_engine):
    migrate(fresh_engine)
    assert "event" in inspect(fresh_engine).get_table_names()


def test_loading_the_same_data_twice_gives_the_same_database(fresh_engine):
    load_directory(ROOT / "data", fresh_engine)
    first = dump(fresh_engine)
    load_directory(ROOT / "data", fresh_engine)
    assert dump(fresh_engine) == first
    assert len(first["event"]) > 0 and len(first["controlperiod"]) > 0


def test_a_bad_row_writes_nothing_and_keeps_the_old_data(fresh_engine, data_copy):
    load_directory(ROOT / "data", fresh_engine)
    before = dump(fresh_engine)
    path = data_copy / "events.csv"
    with path.open(encoding="utf-8", newline="") as f:
        data = list(csv.reader(f))
    data[2][3] = "nowhere"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(data)
    (data_copy / "articles" / "extra.txt").write_text(
        "---\nid: extra\ntitle: T\noutlet: O\nlanguage: en\npublished: 2024-12-01\n---\nNew text.\n",
        encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_directory(data_copy, fresh_engine)
    assert info.value.errors == [f"{path}:3: place 'nowhere' is not in places.csv"]
    assert dump(fresh_engine) == before


def test_a_failure_inside_the_transaction_rolls_back(fresh_engine, data_copy, monkeypatch):
    load_directory(ROOT / "data", fresh_engine)
    before = dump(fresh_engine)
    from app import loader

    def boom(session):
        raise RuntimeError("disk full")
    monkeypatch.setattr(loader, "rebuild_periods", boom)
    (data_copy / "sides.csv").open("a", encoding="utf-8").write("zz,Zed,Zed,#000000,foreign,\n")
    with pytest.raises(RuntimeError):
        load_directory(data_copy, fresh_engine)
    assert dump(fresh_engine) == before


def test_cli_load_reports_errors_by_file_and_line(data_copy, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from app import cli, config, db
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    config.get_settings.cache_clear()
    try:
        (data_copy / "baseline.csv").open("a", encoding="utf-8").write("aleppo,2024-11-26,gov,not-a-url,\n")
        result = CliRunner().invoke(cli.app, ["load", str(data_copy)])
        assert result.exit_code == 1
        assert "baseline.csv:" in result.output and "reference_url must be an http(s) URL" in result.output
        assert "nothing was loaded" in result.output
        result = CliRunner().invoke(cli.app, ["load", str(ROOT / "data")])
        assert result.exit_code == 0, result.output
        assert "loaded" in result.output
    finally:
        config.get_settings.cache_clear()
