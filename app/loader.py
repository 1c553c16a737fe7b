"""Migrating the database and loading a data directory into it, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from . import derive
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


def load_directory(root: Path, engine: Engine) -> LoadReport:
    """Validate every file of `root`, then replace the data in the database in one transaction.

    Raises LoadError (and writes nothing) when any file has an error.
    """
    dataset, errors = read_dataset(root)
    if errors:
        raise LoadError(errors)
    with Session(engine) as session:
        try:
            report = _replace(session, dataset)
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


def _sync(session: Session, model, key: str, rows: list[dict]) -> None:
    """Make the table hold exactly `rows` (by primary key), in place."""
    wanted = {r[key]: r for r in rows}
    for obj in session.exec(select(model)).scalars().all():
        if getattr(obj, key) not in wanted:
            session.delete(obj)
    session.flush()
    for r in rows:
        session.merge(model(**r))
    session.flush()


def _replace(session: Session, ds: Dataset) -> LoadReport:
    """Make the database hold `ds`, keeping what `tidemark ingest` added and is not in data/.

    Accepted events come from data/ only, so they are all replaced. Proposed (unreviewed)
    events of ingested articles stay, even once their article has been written to data/.
    """
    sources = ds.articles + ds.reports  # archived articles and cited reports share the table
    data_article_ids = [a["id"] for a in sources]
    old_data_articles = list(session.exec(
        select(Article.id).where(Article.origin == "data")).scalars())
    removed_articles = [a for a in old_data_articles if a not in set(data_article_ids)]
    session.execute(delete(PeriodEvent))
    session.execute(delete(ControlPeriod))
    session.execute(delete(Event).where(
        (Event.status == "accepted")
        & Event.article_id.in_(old_data_articles + data_article_ids)))
    session.execute(delete(Event).where(Event.id.in_([e["id"] for e in ds.events])))
    session.execute(delete(Event).where(Event.article_id.in_(removed_articles)))
    session.execute(delete(Article).where(Article.id.in_(removed_articles)))
    session.execute(delete(BaselineEntry))
    session.flush()
    crash_point("load:after-delete")

    _sync(session, Conflict, "id", [ds.conflict])
    _sync(session, Side, "code", ds.sides)
    _sync(session, Place, "id", [{k: v for k, v in p.items()
                                  if k in Place.model_fields} for p in ds.places])
    session.add_all(BaselineEntry(**b) for b in ds.baseline)
    for a in sources:
        session.merge(Article(**{k: v for k, v in a.items() if k in Article.model_fields},
                              origin="data"))
    session.flush()
    session.add_all(Event(**e) for e in ds.events)
    session.flush()
    crash_point("load:after-events")
    periods = rebuild_periods(session)
    return LoadReport(counts={
        "sides": len(ds.sides), "places": len(ds.places), "baseline": len(ds.baseline),
        "articles": len(ds.articles), "reports": len(ds.reports), "events": len(ds.events), "periods": periods,
    })


def rebuild_periods(session: Session) -> int:
    """Recompute the control periods of both layers from the baseline and the events.

    Every writer (load, ingest, review) ends with this, so it also gives the data a new
    version (app/cache.py), committed or rolled back with the rest.
    """
    bump_data_version(session)
    session.execute(delete(PeriodEvent))
    session.execute(delete(ControlPeriod))
    coalition_of = {s.code: s.coalition for s in session.exec(select(Side)).scalars()}
    baseline = [derive.BaselineState(place=b.place_id, side=b.side, date=b.date)
                for b in session.exec(select(BaselineEntry)).scalars()]
    events = session.exec(select(Event).where(Event.status.in_(("accepted", "proposed")))).scalars().all()
    next_id = 1
    links: list[PeriodEvent] = []
    for layer, statuses in (("accepted", {"accepted"}), ("proposed", {"accepted", "proposed"})):
        control_events = [
            derive.ControlEvent(id=e.id, date=e.date, place=e.place_id, type=e.type,
                                actor=e.actor, control=e.control, article=e.article_id)
            for e in events if e.status in statuses
        ]
        for p in derive.derive_periods(baseline, control_events, coalition_of):
            session.add(ControlPeriod(
                id=next_id, layer=layer, place_id=p.place, side=p.state.side,
                status=p.state.status, coalition=p.state.coalition,
                challenger=p.state.challenger, previous_side=p.state.previous_side,
                valid_from=p.valid_from, valid_to=p.valid_to, corroboration=p.corroboration))
            links.extend(PeriodEvent(period_id=next_id, event_id=eid) for eid in dict.fromkeys(p.event_ids))
            next_id += 1
    session.flush()
    session.add_all(links)
    session.flush()
    return next_id - 1
