"""`tidemark review`: a person accepts, corrects or rejects proposed events.

Accepted events are written back to the data directory so the dataset stays
reproducible from files: the article goes to `articles/<id>.txt` (front matter + the
stored text, verbatim) if it is not there yet, and the event is appended to
`events.csv`. Files are replaced atomically (write a temporary file, then rename).
The database row changes status in the same step and the control periods are rebuilt.
"""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..datafiles import COLUMNS
from ..loader import rebuild_periods
from ..models import EVENT_TYPES, PRECISIONS, Article, Event, Place, Side

Ask = Callable[[str, str], str]  # (prompt, default) -> answer
Say = Callable[[str], None]


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)


def article_file_text(a: Article) -> str:
    meta = {"id": a.id, "title": a.title, "outlet": a.outlet or "unknown", "language": a.language,
            "published": a.published.isoformat(), "published_precision": a.published_precision,
            "url": a.url or "", "seed_file": a.seed_file or "",
            "notes": (a.notes + "; " if a.notes else "") + "accepted in `tidemark review`"}
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + a.text


def write_back(data_dir: Path, article: Article, event: Event) -> None:
    art_dir = data_dir / "articles"
    art_dir.mkdir(parents=True, exist_ok=True)
    existing = {p.stem for p in art_dir.glob("*.txt")}
    if article.id not in existing:
        _atomic_write(art_dir / f"{article.id}.txt", article_file_text(article))
    events_path = data_dir / "events.csv"
    old = events_path.read_text(encoding="utf-8") if events_path.exists() else ""
    if not old.strip():
        old = ",".join(COLUMNS["events.csv"]) + "\n"
    elif not old.endswith("\n"):
        old += "\n"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([
        event.id, event.date.isoformat(), event.date_precision, event.place_id, event.type,
        event.actor or "", event.control or "", event.article_id, event.quote, event.summary])
    _atomic_write(events_path, old + buf.getvalue())


def _correct(ev: Event, session: Session, ask: Ask, say: Say) -> bool:
    places = set(session.exec(select(Place.id)).scalars())
    sides = set(session.exec(select(Side.code)).scalars())
    while True:
        place = ask("place id", ev.place_id).strip()
        if place in places:
            break
        say(f"  unknown place {place!r}: use an id from data/places.csv")
    while True:
        try:
            day = date.fromisoformat(ask("date (YYYY-MM-DD)", ev.date.isoformat()).strip())
            break
        except ValueError:
            say("  not a date in YYYY-MM-DD form")
    precision = _choice(ask, say, "date precision", ev.date_precision, PRECISIONS)
    etype = _choice(ask, say, "type", ev.type, EVENT_TYPES)
    actor = _choice(ask, say, "acting side (code, or - for none)", ev.actor or "-", tuple(sides) + ("-",))
    control = _choice(ask, say, "control implied (side code, contested, or - for none)",
                      ev.control or "-", tuple(sides) + ("contested", "-"))
    summary = ask("one-line English summary", ev.summary).strip() or ev.summary
    ev.place_id, ev.date, ev.date_precision, ev.type = place, day, precision, etype
    ev.actor = None if actor == "-" else actor
    ev.control = None if control == "-" else control
    ev.summary = summary
    return True


def _choice(ask: Ask, say: Say, prompt: str, default: str, allowed) -> str:
    while True:
        value = ask(prompt, default).strip()
        if value in allowed:
            return value
        say(f"  must be one of: {', '.join(sorted(allowed))}")


def describe(ev: Event, article: Article, place: Place | None) -> str:
    name = place.name if place else ev.place_id
    return (f"\n[{ev.id}] {ev.date} ({ev.date_precision})  {ev.type} at {name}"
            f"  side={ev.actor or '-'}  control={ev.control or '-'}  confidence={ev.confidence}\n"
            f"  article: {article.title} ({article.language}, {article.published})\n"
            f"  quote:   {ev.quote}")


def review(engine: Engine, data_dir: Path, ask: Ask, say: Say, limit: int | None = None) -> dict[str, int]:
    counts = {"accepted": 0, "corrected": 0, "rejected": 0, "skipped": 0}
    with Session(engine) as session:
        ids = list(session.exec(select(Event.id).where(Event.status == "proposed")
                                .order_by(Event.article_id, Event.date, Event.id)).scalars())
    if not ids:
        say("No proposed events to review.")
        return counts
    say(f"{len(ids)} proposed event(s). For each: a = accept, c = correct then accept, "
        f"r = reject, s = skip, q = quit.")
    for n, eid in enumerate(ids):
        if limit is not None and n >= limit:
            break
        with Session(engine) as session:
            ev = session.get(Event, eid)
            if ev is None or ev.status != "proposed":
                continue
            article = session.get(Article, ev.article_id)
            say(describe(ev, article, session.get(Place, ev.place_id)))
            answer = ""
            while answer not in ("a", "c", "r", "s", "q"):
                answer = ask("accept / correct / reject / skip / quit [a/c/r/s/q]", "s").strip().lower()[:1]
            if answer == "q":
                break
            if answer == "s":
                counts["skipped"] += 1
                continue
            try:
                if answer == "r":
                    ev.status = "rejected"
                    counts["rejected"] += 1
                else:
                    if answer == "c":
                        _correct(ev, session, ask, say)
                        counts["corrected"] += 1
                    else:
                        counts["accepted"] += 1
                    ev.status = "accepted"
                    session.flush()
                    write_back(data_dir, article, ev)
                rebuild_periods(session)
                session.commit()
            except Exception:
                session.rollback()
                raise
    say(f"accepted {counts['accepted']}, corrected {counts['corrected']}, "
        f"rejected {counts['rejected']}, skipped {counts['skipped']}")
    return counts
