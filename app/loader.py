"""Migrating the database and loading a data directory into it, in one transaction."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Table, delete, select
from sqlalchemy import types as sa_types
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from . import dayparts, derive
from .cache import bump_data_version
from .config import ROOT
from .crashpoints import crash_point
from .datafiles import Dataset, read_dataset
from .models import (Article, BaselineEntry, Conflict, ControlPeriod, Event, PeriodEvent,
                     Place, Side)


class LoadError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)


def migrate(engine: Engine) -> None:
    """Bring the database schema to the newest migration."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


Progress = Callable[[str, int, int], None]  # (what, done, total)
CHUNK = 5000


def load_directory(root: Path, engine: Engine, progress: Progress | None = None) -> LoadReport:
    """Validate every file of `root`, then replace the data in the database in one transaction.

    Raises LoadError (and writes nothing) when any file has an error. Rows go in with bulk
    (executemany) inserts; on SQLite the load runs in WAL mode with synchronous=NORMAL, which
    keeps the one-transaction guarantee (a failed load rolls back; a crash loses at most the
    last commit, never half of one).
    """
    report_progress = progress or (lambda what, done, total: None)
    report_progress("read", 0, 1)
    dataset, errors = read_dataset(root)
    report_progress("read", 1, 1)
    if errors:
        raise LoadError(errors)
    with engine.connect() as conn, Session(bind=conn) as session:
        if engine.dialect.name == "sqlite":
            # On the driver's connection, before the transaction begins (WAL cannot be switched
            # on inside one; it persists in the file). The load then runs on this connection.
            raw = conn.connection.driver_connection
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-16384"):
                raw.execute(f"PRAGMA {pragma}")
        try:
            report = _replace(session, dataset, report_progress)
            if engine.dialect.name == "sqlite":
                # Table statistics, so the planner knows `status` is not selective and
                # walks (date, id) for a page of events instead of sorting them all.
                session.connection().exec_driver_sql("ANALYZE")
            crash_point("load:before-commit")
            session.commit()
            crash_point("load:after-commit")
        except IntegrityError as exc:
            session.rollback()
            raise LoadError([f"{root}: the new data removes a place or side that unreviewed "
                             f"events still use ({exc.orig}); review or reject them first"]) from exc
        except Exception:
            session.rollback()
            raise
    return report


def _sqlite_value(column):
    """How a value of `column` is stored by SQLAlchemy on SQLite (for the DB-API fast path)."""
    if isinstance(column.type, sa_types.Date):
        return lambda v: v.isoformat() if v is not None else None
    if isinstance(column.type, sa_types.JSON):
        return lambda v: json.dumps(v) if v is not None else None
    return None


def _insert(session: Session, table: Table, rows: list[dict], progress: Progress | None = None,
            what: str = "") -> None:
    """Bulk insert (executemany in chunks): no ORM object per row.

    On SQLite the rows go straight to the driver's executemany as tuples, which skips
    SQLAlchemy's per-row parameter processing (most of the cost at 100,000 rows).
    """
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        keys = list(rows[0])
        names = ", ".join(f'"{table.c[k].name}"' for k in keys)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(keys))})'
        get = itemgetter(*keys) if len(keys) > 1 else (lambda r: (r[keys[0]],))
        convert = [(i, f) for i, f in enumerate(_sqlite_value(table.c[k]) for k in keys) if f]
        for i in range(0, len(rows), CHUNK):
            params = list(map(get, rows[i:i + CHUNK]))
            if convert:
                for n, t in enumerate(params):
                    t = list(t)
                    for j, f in convert:
                        t[j] = f(t[j])
                    params[n] = tuple(t)
            conn.exec_driver_sql(sql, params)
            if progress:
                progress(what, min(i + CHUNK, len(rows)), len(rows))
        return
    for i in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[i:i + CHUNK])
        if progress:
            progress(what, min(i + CHUNK, len(rows)), len(rows))


@contextmanager
def _indexes_rebuilt_after(session: Session, *tables: str) -> Iterator[None]:
    """Drop the secondary indexes of `tables` for a bulk insert and build them again after it.

    SQLite only (DDL is transactional there, so a failed load still leaves the old indexes).
    Building an index once over sorted keys is cheaper than updating it row by row.
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    marks = ", ".join("?" * len(tables))
    indexes = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})", tables).all()
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        conn.exec_driver_sql(sql)


def _upsert(session: Session, table: Table, key: str, rows: list[dict]) -> None:
    """Insert `rows`, or update the row of the same `key` in place (rows others point at stay)."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name in ("sqlite", "postgresql"):
        if conn.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        stmt = dialect_insert(table)
        cols = [c for c in rows[0] if c != key]
        stmt = (stmt.on_conflict_do_update(index_elements=[key],
                                           set_={c: stmt.excluded[c] for c in cols})
                if cols else stmt.on_conflict_do_nothing(index_elements=[key]))
        for i in range(0, len(rows), CHUNK):
            conn.execute(stmt, rows[i:i + CHUNK])
        return
    existing = set(conn.execute(select(table.c[key])).scalars())  # pragma: no cover - other databases
    for r in rows:
        if r[key] in existing:
            conn.execute(table.update().where(table.c[key] == r[key]).values(**r))
        else:
            conn.execute(table.insert().values(**r))


def _sync(session: Session, model, key: str, rows: list[dict]) -> None:
    """Make the table hold exactly `rows` (by primary key), in place."""
    table = model.__table__
    wanted = {r[key] for r in rows}
    conn = session.connection()
    gone = [k for k in conn.execute(select(table.c[key])).scalars() if k not in wanted]
    for i in range(0, len(gone), 500):
        conn.execute(table.delete().where(table.c[key].in_(gone[i:i + 500])))
    _upsert(session, table, key, rows)


def _columns(model, row: dict) -> dict:
    return {k: v for k, v in row.items() if k in model.model_fields}


def _replace(session: Session, ds: Dataset, progress: Progress | None = None) -> LoadReport:
    """Make the database hold `ds`, keeping what `tidemark ingest` added and is not in data/.

    Accepted events come from data/ only, so they are all replaced. Proposed (unreviewed)
    events of ingested articles stay, even once their article has been written to data/.
    """
    conn = session.connection()
    sources = ds.articles + ds.reports  # archived articles and cited reports share the table
    data_article_ids = [a["id"] for a in sources]
    old_data_articles = list(conn.execute(
        select(Article.id).where(Article.origin == "data")).scalars())
    removed_articles = sorted(set(old_data_articles) - set(data_article_ids))
    conn.execute(delete(PeriodEvent))
    conn.execute(delete(ControlPeriod))
    replaced = sorted(set(old_data_articles) | set(data_article_ids))
    for i in range(0, len(replaced), 500):
        conn.execute(delete(Event).where((Event.status == "accepted")
                                         & Event.article_id.in_(replaced[i:i + 500])))
    new_ids = [e["id"] for e in ds.events]
    for i in range(0, len(new_ids), 500):
        conn.execute(delete(Event).where(Event.id.in_(new_ids[i:i + 500])))
    for i in range(0, len(removed_articles), 500):
        part = removed_articles[i:i + 500]
        conn.execute(delete(Event).where(Event.article_id.in_(part)))
        conn.execute(delete(Article).where(Article.id.in_(part)))
    conn.execute(delete(BaselineEntry))
    crash_point("load:after-delete")

    _sync(session, Conflict, "id", [ds.conflict])
    _sync(session, Side, "code", ds.sides)
    _sync(session, Place, "id", [_columns(Place, p) for p in ds.places])
    _insert(session, BaselineEntry.__table__, [_columns(BaselineEntry, b) for b in ds.baseline])
    # every row with every column (articles and reports fill different ones)
    _upsert(session, Article.__table__, "id",
            [Article(**_columns(Article, a), origin="data").model_dump() for a in sources])
    counts = {"sides": len(ds.sides), "places": len(ds.places), "baseline": len(ds.baseline),
              "articles": len(ds.articles), "reports": len(ds.reports), "events": len(ds.events)}
    with _indexes_rebuilt_after(session, "event"):
        _insert(session, Event.__table__, ds.events, progress, "events")
    ds.events.clear()  # stored; the rows are read back, in columns, for the derivation
    crash_point("load:after-events")
    counts["periods"] = rebuild_periods(session, progress)
    return LoadReport(counts=counts)


def rebuild_periods(session: Session, progress: Progress | None = None) -> int:
    """Recompute the control periods of both layers from the baseline and the events.

    Reads plain rows (no ORM objects), derives each place's history over its date-sorted
    events, and writes the periods and their event links with bulk inserts.

    Every writer (load, ingest, review) ends with this, so it also gives the data a new
    version (app/cache.py), committed or rolled back with the rest.
    """
    bump_data_version(session)
    conn = session.connection()
    conn.execute(delete(PeriodEvent))
    conn.execute(delete(ControlPeriod))
    coalition_of = dict(conn.execute(select(Side.code, Side.coalition)).all())
    baseline = [derive.BaselineState(place=r.place_id, side=r.side, date=r.date)
                for r in conn.execute(select(BaselineEntry.place_id, BaselineEntry.side,
                                             BaselineEntry.date))]
    events = conn.execute(
        select(Event.id, Event.date, Event.place_id, Event.type, Event.actor, Event.control,
               Event.article_id, Event.status)
        .where(Event.status.in_(("accepted", "proposed")))).all()
    def control_event(e) -> derive.ControlEvent:
        return derive.ControlEvent(id=e.id, date=e.date, place=e.place_id, type=e.type,
                                   actor=e.actor, control=e.control, article=e.article_id)

    accepted = [control_event(e) for e in events if e.status == "accepted"]
    unreviewed = [control_event(e) for e in events if e.status == "proposed"]
    next_id = 1
    periods: list[dict] = []
    links: list[dict] = []
    derived: list[derive.Period] = []
    for layer in ("accepted", "proposed"):
        if progress:
            progress("derive " + layer, 0, 1)
        if layer == "accepted":
            derived = derive.derive_periods(baseline, accepted, coalition_of)
        elif unreviewed:  # without unreviewed events the proposed layer is the accepted one
            derived = derive.derive_periods(baseline, accepted + unreviewed, coalition_of)
        for p in derived:
            periods.append(dict(
                id=next_id, layer=layer, place_id=p.place, side=p.state.side,
                status=p.state.status, coalition=p.state.coalition,
                challenger=p.state.challenger, previous_side=p.state.previous_side,
                valid_from=p.valid_from, valid_to=p.valid_to, corroboration=p.corroboration))
            links.extend({"period_id": next_id, "event_id": eid} for eid in dict.fromkeys(p.event_ids))
            next_id += 1
        if progress:
            progress("derive " + layer, 1, 1)
    del derived, accepted, unreviewed
    del events
    with _indexes_rebuilt_after(session, "controlperiod", "periodevent"):
        _insert(session, ControlPeriod.__table__, periods, progress, "periods")
        _insert(session, PeriodEvent.__table__, links, progress, "period sources")
    del periods, links
    dayparts.rebuild(session, _insert, progress)  # the day GeoJSON's parts, from these periods
    return next_id - 1
