"""Loading through the real migrations, into a real SQLite file and a real PostgreSQL database."""
import csv

import pytest
from sqlalchemy import MetaData, inspect, text

from app.config import ROOT
from app.loader import LoadError, load_directory, migrate


# Bookkeeping, not data: the data version changes on every load by design (app/cache.py).
NOT_DATA = {"alembic_version", "dataversion"}


def dump(engine) -> dict[str, list]:
    """Every row of every data table, in a form that compares across loads."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as con:
        return {name: sorted(repr(tuple(row)) for row in con.execute(table.select()))
                for name, table in sorted(meta.tables.items()) if name not in NOT_DATA}


def scalar(engine, sql: str):
    with engine.connect() as con:
        return con.execute(text(sql)).scalar()


def rows(engine, sql: str) -> list:
    with engine.connect() as con:
        return [tuple(r) for r in con.execute(text(sql))]


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

    def boom(session, *args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(loader, "rebuild_periods", boom)
    (data_copy / "sides.csv").open("a", encoding="utf-8").write("zz,Zed,Zed,#000000,foreign,,,\n")
    with pytest.raises(RuntimeError):
        load_directory(data_copy, fresh_engine)
    assert dump(fresh_engine) == before


def test_cli_load_reports_errors_by_file_and_line(data_copy, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from app import cli, config
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


def _add_proposed(engine, article_id="ingested1", text="Rebels captured Hama today."):
    from datetime import date

    from sqlmodel import Session

    from app.models import Article, Event
    with Session(engine) as s:
        s.add(Article(id=article_id, title="T", outlet="O", language="en", published=date(2024, 12, 5),
                      text=text, content_hash="h" + article_id, origin="ingest"))
        s.flush()
        for n in (1, 2):
            s.add(Event(id=f"{article_id}-p{n}", date=date(2024, 12, 5), place_id="hama", type="capture",
                        actor="opp", control="opp", article_id=article_id, quote=text,
                        quote_start=0, quote_end=len(text), status="proposed"))
        s.commit()


def test_reloading_keeps_unreviewed_events(fresh_engine, data_copy):
    load_directory(ROOT / "data", fresh_engine)
    _add_proposed(fresh_engine)
    load_directory(ROOT / "data", fresh_engine)
    assert scalar(fresh_engine, "select count(*) from event where status='proposed'") == 2
    # Review accepted one of them: the article and that event are now in data/.
    (data_copy / "articles" / "ingested1.txt").write_text(
        "---\nid: ingested1\ntitle: T\noutlet: O\nlanguage: en\npublished: 2024-12-05\n---\n"
        "Rebels captured Hama today.", encoding="utf-8")
    with (data_copy / "events.csv").open("a", encoding="utf-8") as f:
        f.write("ingested1-p1,2024-12-05,day,hama,capture,opp,opp,ingested1,Rebels captured Hama today.,x\n")
    load_directory(data_copy, fresh_engine)
    statuses = dict(rows(fresh_engine, "select id, status from event where article_id='ingested1'"))
    assert statuses == {"ingested1-p1": "accepted", "ingested1-p2": "proposed"}
    assert scalar(fresh_engine, "select origin from article where id='ingested1'") == "data"


def test_removing_a_place_that_unreviewed_events_use_is_refused(fresh_engine, data_copy):
    load_directory(ROOT / "data", fresh_engine)
    _add_proposed(fresh_engine)
    before = dump(fresh_engine)
    path = data_copy / "places.csv"
    kept = [line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.startswith("hama,")]
    path.write_text("".join(kept), encoding="utf-8")
    # events.csv must not use hama either, or validation stops it first
    ev = data_copy / "events.csv"
    ev.write_text("".join(line for line in ev.read_text(encoding="utf-8").splitlines(keepends=True)
                          if ",hama," not in line), encoding="utf-8")
    base = data_copy / "baseline.csv"
    base.write_text("".join(line for line in base.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not line.startswith("hama,")), encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_directory(data_copy, fresh_engine)
    assert "unreviewed events still use" in info.value.errors[0]
    assert dump(fresh_engine) == before
