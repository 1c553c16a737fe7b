"""`tidemark ingest`: articles in, proposed events out, one transaction per run.

Each article is stored under the SHA-256 of its text (id: the first 16 hex digits), so
ingesting the same text again changes nothing. Its candidate events are stored as
`proposed` (only those at places the database knows, i.e. data/places.csv), each article
with its events in a savepoint; the control periods are rebuilt once at the end and the
run commits once, so the database holds either none of the run or all of it, with the
map's proposed layer current (a killed run leaves the old state; rerunning it completes).
A file that cannot be read is skipped with its reason; an error while writing one article
rolls back that article's savepoint entirely and the run carries on.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..cache import bump_data_version
from ..crashpoints import crash_point
from ..datafiles import URL, content_hash
from ..loader import rebuild_periods
from ..models import Article, Event, Place, Side
from .pipeline import extract_bytes, read_file
from .resources import Resources
from .text import InputError


@dataclass
class IngestReport:
    added: list[tuple[str, str, int]] = field(default_factory=list)  # file, article id, events
    unchanged: list[tuple[str, str]] = field(default_factory=list)  # file, article id
    skipped: list[tuple[str, str]] = field(default_factory=list)  # file, reason
    unknown_places: int = 0


def _web_url(value) -> str:
    """Only an http(s) URL is kept as the original URL (never javascript: or data:)."""
    text = str(value or "").strip()
    return text if URL.match(text) and not set('<>"\'') & set(text) else ""


def expand(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith(".")))
        else:
            out.append(p)
    return out


def _store(session: Session, article: Article, events: list[Event]) -> None:
    session.add(article)
    session.flush()
    crash_point("ingest:after-article")
    session.add_all(events)
    session.flush()
    bump_data_version(session)  # the proposed layer's events changed (periods follow once per run)


def ingest_file(path: Path, session: Session, res: Resources, report: IngestReport,
                published: date | None = None, language: str | None = None) -> None:
    try:
        raw = read_file(path)
        ex = extract_bytes(raw, path.name, res, published, language)
    except InputError as exc:
        report.skipped.append((str(path), str(exc)))
        return
    except OSError as exc:
        report.skipped.append((str(path), f"cannot read: {exc.strerror or exc}"))
        return
    doc = ex.document
    digest = content_hash(doc.text)
    existing = session.exec(select(Article).where(Article.content_hash == digest)).scalars().first()
    if existing is not None:
        report.unchanged.append((str(path), existing.id))
        return
    art_id = digest[:16]
    known_places = set(session.exec(select(Place.id)).scalars())
    known_sides = set(session.exec(select(Side.code)).scalars())
    first_line = next((ln.strip() for ln in doc.text.splitlines() if ln.strip()), path.name)
    article = Article(
        id=art_id, title=(doc.title or f"[untitled] {first_line}")[:200],
        outlet=str(doc.meta.get("outlet") or "unknown"), language=ex.language or "und",
        published=ex.published, published_precision="day", url=_web_url(doc.meta.get("url")),
        notes=f"ingested from {path.name}", text=doc.text, content_hash=digest,
        seed_file=path.name, origin="ingest")
    events = []
    for n, c in enumerate(ex.candidates, 1):
        if c.place["id"] not in known_places:
            report.unknown_places += 1
            continue
        control = c.control if (c.control in known_sides or c.control == "contested") else None
        events.append(Event(
            id=f"{art_id}-{n:03d}", date=date.fromisoformat(c.date), date_precision=c.date_precision,
            place_id=c.place["id"], type=c.type, actor=c.side if c.side in known_sides else None,
            control=control, article_id=art_id, quote=c.quote["text"],
            quote_start=c.quote["start"], quote_end=c.quote["end"],
            summary=f"Proposed by the extractor: {c.type} at {c.place['name']}",
            status="proposed", confidence=c.confidence))
    try:
        with session.begin_nested():
            _store(session, article, events)
    except Exception as exc:  # nothing of this article remains
        report.skipped.append((str(path), f"could not be stored: {exc.__class__.__name__}: {exc}"))
        return
    report.added.append((str(path), art_id, len(events)))


def ingest_paths(paths: Iterable[Path], engine: Engine, res: Resources,
                 published: date | None = None, language: str | None = None,
                 on_progress: Callable[[Path], None] | None = None) -> IngestReport:
    report = IngestReport()
    files = expand(paths)
    with Session(engine) as session:
        try:
            for path in files:
                ingest_file(path, session, res, report, published, language)
                crash_point("ingest:after-file")
                if on_progress:
                    on_progress(path)
            if report.added:
                # Once per run, not per article: a rebuild reads every event.
                rebuild_periods(session)
                crash_point("ingest:before-commit")
            session.commit()
            crash_point("ingest:after-commit")
        except BaseException:
            session.rollback()
            raise
    return report


def format_report(report: IngestReport) -> str:
    lines = [f"{len(report.added)} article(s) added, {len(report.unchanged)} already stored, "
             f"{len(report.skipped)} skipped."]
    for file, art_id, n in report.added:
        lines.append(f"  added    {file} -> {art_id} ({n} proposed event(s))")
    for file, art_id in report.unchanged:
        lines.append(f"  same     {file} = {art_id} (content already stored)")
    for file, reason in report.skipped:
        lines.append(f"  skipped  {file}: {reason}")
    if report.unknown_places:
        lines.append(f"  {report.unknown_places} candidate(s) at places missing from data/places.csv were not stored")
    return "\n".join(lines)
