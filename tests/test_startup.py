"""`python3 -m app.startup`, the container's start-up, on the host: which start loads, which keeps.

The image itself is built and run by tests/docker; these run everywhere, in a second.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.config import get_settings
from app.startup import prepare


@pytest.fixture()
def volume(tmp_path: Path, monkeypatch) -> Path:
    """An empty folder standing for the image's volume, with the image's settings in it."""
    vol = tmp_path / "volume"
    vol.mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{vol / 'tidemark.db'}")
    monkeypatch.setenv("DATA_DIR", str(vol / "data"))
    monkeypatch.delenv("LOAD_ON_START", raising=False)
    get_settings.cache_clear()
    yield vol
    get_settings.cache_clear()


def events(vol: Path) -> dict[str, str]:
    with sqlite3.connect(vol / "tidemark.db") as conn:
        return dict(conn.execute("select id, status from event"))


def add_reviewed_event(vol: Path) -> None:
    """An accepted event that exists only in the database (as after `tidemark review`, had
    it written to another data directory), and a proposed one."""
    with sqlite3.connect(vol / "tidemark.db") as conn:
        row = conn.execute("select * from event limit 1").fetchone()
        cols = [d[0] for d in conn.execute("select * from event limit 1").description]
        for new_id, status in (("only-in-db", "accepted"), ("waiting", "proposed")):
            values = dict(zip(cols, row), id=new_id, status=status)
            conn.execute(f"insert into event ({','.join(cols)}) values ({','.join('?' * len(cols))})",
                         [values[c] for c in cols])


def test_first_start_copies_and_loads_then_restart_keeps(volume, capsys):
    prepare()
    out = capsys.readouterr().out
    assert "copied the bundled data" in out and "created the database schema" in out and "loaded" in out
    assert (volume / "data" / "conflict.yaml").is_file()
    loaded = events(volume)
    assert loaded and set(loaded.values()) == {"accepted"}

    add_reviewed_event(volume)
    before = events(volume)
    prepare()  # a restart: default LOAD_ON_START=empty
    out = capsys.readouterr().out
    assert "schema is up to date" in out
    assert f"kept the database ({len(loaded) + 1} reviewed events, 1 unreviewed" in out
    assert "loaded" not in out and "copied" not in out
    assert events(volume) == before

    prepare("never")
    assert events(volume) == before


def test_always_reloads_data_and_keeps_unreviewed(volume, capsys):
    prepare()
    add_reviewed_event(volume)
    prepare("always")
    assert "loaded" in capsys.readouterr().out
    after = events(volume)
    # data/ is the source of truth for reviewed events: one that is only in the database goes
    # (`tidemark review` writes to DATA_DIR, which the image keeps on the volume); unreviewed stay.
    assert after.get("waiting") == "proposed" and "only-in-db" not in after


def test_bad_mode_and_bad_data_fail_clearly_and_change_nothing(volume, capsys):
    with pytest.raises(SystemExit) as exc:
        prepare("sometimes")
    assert exc.value.code == 1 and "LOAD_ON_START must be one of empty, always, never" in capsys.readouterr().err
    prepare()
    before = events(volume)
    with open(volume / "data" / "events.csv", "a", encoding="utf-8") as fh:
        fh.write("broken,not-a-date,day,aleppo,capture,hts,hts,x,y,z\n")
    with pytest.raises(SystemExit) as exc:
        prepare("always")
    err = capsys.readouterr().err
    assert exc.value.code == 1 and "events.csv" in err and "nothing was loaded" in err
    assert events(volume) == before


def test_non_empty_data_dir_without_conflict_is_refused(volume, capsys):
    (volume / "data").mkdir()
    (volume / "data" / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit):
        prepare()
    assert "is not empty but has no conflict.yaml" in capsys.readouterr().err
    assert (volume / "data" / "notes.txt").read_text() == "mine"
