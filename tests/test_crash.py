"""Crash tests: a real `tidemark load` / `tidemark ingest` killed with SIGKILL mid-write.

Each run is stopped at a named point inside its transaction (app/crashpoints.py: the process
announces the point in a file and sleeps, and the test kills it there), or, for `load`, at
seeded random moments. Afterwards the SQLite file must pass `PRAGMA integrity_check` and
`foreign_key_check`, hold exactly the old data or exactly the new data (every table compared
row by row, never a mix), have no article without its events nor events without their
article, and a rerun of the same command must complete and give the new data.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.config import ROOT
from app.db import engine_for
from app.loader import load_directory, migrate

CLI = [sys.executable, "-c", "from app.cli import main; main()"]
PUBLISHED = "2024-12-07"
ARTICLES = {
    "one.txt": "Rebel forces captured the city of Hama on Thursday. Government troops withdrew from Homs yesterday.\n",
    "two.txt": "Opposition fighters entered the city of Homs on Friday after heavy clashes with the army.\n",
    "three.txt": "Rebels took control of Salamiyah on Thursday, residents said.\n",
}


def dump(path: Path) -> dict[str, list]:
    """Every row of every data table (the data version is bookkeeping, compared separately)."""
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute(
            "select name from sqlite_master where type='table' and name not in "
            "('alembic_version', 'dataversion', 'sqlite_sequence') order by name")]
        return {t: sorted(map(repr, con.execute(f'select * from "{t}"'))) for t in tables}
    finally:
        con.close()


def check_sound(path: Path) -> None:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = con.execute("select count(*) from event where article_id not in (select id from article)")
        assert orphans.fetchone()[0] == 0, "events without their article"
        # every stored article has its events: the data's five articles and each ingested one
        # that the extractor found events in (all of ARTICLES do); a cited report is cited by
        # an event or by a baseline row (the report of its reference URL)
        bare = con.execute("select id from article where kind != 'report' and id not in "
                           "(select article_id from event)").fetchall()
        assert bare == [], f"articles stored without their events: {bare}"
        uncited = con.execute("select id from article where kind = 'report' and id not in "
                              "(select article_id from event) and url not in "
                              "(select reference_url from baselineentry)").fetchall()
        assert uncited == [], f"cited reports that nothing cites: {uncited}"
    finally:
        con.close()


def version(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("select version from dataversion where id = 1").fetchone()[0]
    finally:
        con.close()


def build(path: Path, data_dir: Path = ROOT / "data") -> Path:
    engine = engine_for(f"sqlite:///{path}")
    migrate(engine)
    load_directory(data_dir, engine)
    engine.dispose()
    return path


def run(args: list[str], db: Path, tmp: Path, pause_at: str | None = None,
        kill_after: float | None = None) -> subprocess.CompletedProcess | str:
    """Run the CLI; with `pause_at`, SIGKILL it once it reaches that point (returns the point);
    with `kill_after`, SIGKILL it after that many seconds (returns 'killed' or 'finished')."""
    marker = tmp / "paused"
    marker.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT)}
    env.pop("TIDEMARK_PAUSE_AT", None)
    if pause_at:
        env.update(TIDEMARK_PAUSE_AT=pause_at, TIDEMARK_PAUSE_FILE=str(marker))
    if pause_at is None and kill_after is None:
        return subprocess.run(CLI + args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    proc = subprocess.Popen(CLI + args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        if pause_at:
            deadline = time.monotonic() + 120
            while not marker.exists():
                if proc.poll() is not None:
                    raise AssertionError(f"exited {proc.returncode} before {pause_at}: {proc.stderr.read()[-2000:]}")
                assert time.monotonic() < deadline, f"never reached {pause_at}"
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return pause_at
        try:
            proc.wait(timeout=kill_after)
            return "finished"
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return "killed"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


@pytest.fixture(scope="module")
def load_case(tmp_path_factory):
    """The old database (data/) and the new data: one place renamed, one event more."""
    tmp = tmp_path_factory.mktemp("crash-load")
    new_data = tmp / "new-data"
    shutil.copytree(ROOT / "data", new_data)
    places = new_data / "places.csv"
    text = places.read_text(encoding="utf-8")
    assert "\nhoms,Homs," in text
    places.write_text(text.replace("\nhoms,Homs,", "\nhoms,Homs (renamed),"), encoding="utf-8")
    with (new_data / "events.csv").open("a", encoding="utf-8") as f:
        f.write("2024-12-07-homs-clashes-again,2024-12-07,day,homs,clashes,opp,contested,c4ddbf82e4232d97,"
                "Clashes in Homs are ongoing.,A second record of the same report for the crash test.\n")
    old_db = build(tmp / "old.db")
    new_db = build(tmp / "new.db", new_data)
    old, new = dump(old_db), dump(new_db)
    assert old != new
    return tmp, old_db, new_data, old, new


@pytest.mark.parametrize("point,expected", [
    ("load:after-delete", "old"), ("load:after-events", "old"),
    ("load:before-commit", "old"), ("load:after-commit", "new"),
])
def test_load_killed_at_a_point_leaves_old_or_new(load_case, point, expected):
    tmp, old_db, new_data, old, new = load_case
    db = tmp / f"{point.replace(':', '-')}.db"
    shutil.copy(old_db, db)
    before = version(db)
    assert run(["load", str(new_data)], db, tmp, pause_at=point) == point
    check_sound(db)
    state = dump(db)
    assert state == (old if expected == "old" else new), f"killed at {point}: a mix of old and new"
    assert (version(db) == before) == (expected == "old")
    done = run(["load", str(new_data)], db, tmp)
    assert done.returncode == 0, done.stderr
    check_sound(db)
    assert dump(db) == new


def test_load_killed_at_random_moments_leaves_old_or_new(load_case):
    tmp, old_db, new_data, old, new = load_case
    db = tmp / "random.db"
    shutil.copy(old_db, db)
    began = time.monotonic()
    assert run(["load", str(new_data)], db, tmp).returncode == 0
    full = time.monotonic() - began
    rng = random.Random(20241208)
    outcomes = []
    for _ in range(4):
        shutil.copy(old_db, db)
        how = run(["load", str(new_data)], db, tmp, kill_after=rng.uniform(0.3, 1.0) * full)
        check_sound(db)
        state = dump(db)
        assert state in (old, new), "a mix of old and new"
        outcomes.append((how, "old" if state == old else "new"))
    assert all(state == "new" for how, state in outcomes if how == "finished"), outcomes
    shutil.copy(old_db, db)
    assert run(["load", str(new_data)], db, tmp).returncode == 0 and dump(db) == new


@pytest.fixture(scope="module")
def ingest_case(tmp_path_factory):
    """Three articles to ingest into the loaded database; `new` is the result of a whole run."""
    tmp = tmp_path_factory.mktemp("crash-ingest")
    articles = tmp / "articles"
    articles.mkdir()
    for name, text in ARTICLES.items():
        (articles / name).write_text(text, encoding="utf-8")
    old_db = build(tmp / "old.db")
    new_db = tmp / "new.db"
    shutil.copy(old_db, new_db)
    done = run(["ingest", str(articles), "--published", PUBLISHED], new_db, tmp)
    assert done.returncode == 0 and "3 article(s) added" in done.stdout, done.stdout + done.stderr
    old, new = dump(old_db), dump(new_db)
    assert len(new["article"]) == len(old["article"]) + 3
    return tmp, old_db, articles, old, new


@pytest.mark.parametrize("point,expected", [
    ("ingest:after-article", "old"),   # the first article flushed, its events not yet
    ("ingest:after-file", "old"),      # the first article and its events in, two to go
    ("ingest:before-commit", "old"),   # all three in, control periods rebuilt, not committed
    ("ingest:after-commit", "new"),
])
def test_ingest_killed_at_a_point_leaves_old_or_new(ingest_case, point, expected):
    tmp, old_db, articles, old, new = ingest_case
    db = tmp / f"{point.replace(':', '-')}.db"
    shutil.copy(old_db, db)
    assert run(["ingest", str(articles), "--published", PUBLISHED], db, tmp, pause_at=point) == point
    check_sound(db)
    assert dump(db) == (old if expected == "old" else new), f"killed at {point}: a mix of old and new"
    if expected == "old":  # (each ingest process spends ~3 s loading the gazetteer: rerun only these)
        done = run(["ingest", str(articles), "--published", PUBLISHED], db, tmp)
        assert done.returncode == 0 and "3 article(s) added" in done.stdout, done.stderr
        check_sound(db)
        assert dump(db) == new
