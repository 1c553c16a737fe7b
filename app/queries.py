"""Read-side queries shared by the JSON API and the HTML pages."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

from sqlalchemy import func, or_, select, tuple_
from sqlmodel import Session

from . import derive
from .config import get_settings
from .models import (Article, BaselineEntry, Conflict, ControlPeriod, Event, PeriodEvent, Place,
                     Side)


def conflict(session: Session) -> Conflict | None:
    return session.exec(select(Conflict)).scalars().first()


def sides(session: Session) -> list[Side]:
    return list(session.exec(select(Side).order_by(Side.position)).scalars())


def source_url(article_id: str, event_id: str | None = None) -> str:
    return f"/sources/{article_id}" + (f"#q-{event_id}" if event_id else "")


def event_url(event_id: str) -> str:
    """The event's own page (/api/events/{id} is its JSON twin)."""
    return f"/events/{quote(event_id, safe='')}"


def event(session: Session, event_id: str) -> dict | None:
    """One event (accepted or proposed; rejected ones are gone), as `events` gives it."""
    if len(event_id) > 200:
        return None
    rows = events(session, ids=[event_id], include_proposed=True)
    return rows[0] if rows else None


def date_bounds(session: Session) -> tuple[date, date] | None:
    c = conflict(session)
    if c is None:
        return None
    last = session.exec(select(Event.date).order_by(Event.date.desc()).limit(1)).scalars().first()
    return c.start, max(c.end, last) if last else c.end


PERIOD_COLUMNS = (ControlPeriod.id, ControlPeriod.place_id, ControlPeriod.side, ControlPeriod.status,
                  ControlPeriod.coalition, ControlPeriod.challenger, ControlPeriod.previous_side,
                  ControlPeriod.valid_from, ControlPeriod.valid_to, ControlPeriod.corroboration)
SOURCE_COLUMNS = (Event.id, Event.type, Event.date, Event.date_precision, Event.quote, Event.summary,
                  Event.status, Event.control, Article.id.label("article_id"), Article.title,
                  Article.outlet, Article.language, Article.published, Article.url, Article.kind)
PLACE_COLUMNS = (Place.id, Place.name, Place.names, Place.kind, Place.population, Place.governorate,
                 Place.lat, Place.lon)


def _in_force(day: date, layer: str):
    return (ControlPeriod.layer == layer, ControlPeriod.valid_from <= day,
            or_(ControlPeriod.valid_to.is_(None), ControlPeriod.valid_to > day))


def periods_on(session: Session, day: date, layer: str = "accepted", changed_only: bool = False,
               places: Sequence[str] | None = None):
    """The control period in force on `day` for each place: one indexed range lookup.

    Rows of plain columns, not ORM objects: this is the hot path of every slider step.
    `changed_only`: only the periods that began that day (not the baseline); `places`: only these.
    """
    if changed_only:
        where = (ControlPeriod.layer == layer, ControlPeriod.valid_from == day,
                 ControlPeriod.status != "baseline")
    else:
        where = _in_force(day, layer)
    if places is not None:
        return [row for chunk in _chunks(sorted(places)) for row in session.execute(
            select(*PERIOD_COLUMNS).where(*where, ControlPeriod.place_id.in_(chunk))
            .order_by(ControlPeriod.place_id))]
    stmt = select(*PERIOD_COLUMNS).where(*where).order_by(ControlPeriod.place_id)
    return session.execute(stmt).all()


def _event_source(row) -> dict:
    """One event's source: an archived article (with its verbatim quote) or a cited report
    (our summary only: no quote field)."""
    out = {
        "id": row.article_id, "kind": row.kind, "title": row.title, "outlet": row.outlet,
        "language": row.language, "published": row.published.isoformat(),
        "url": source_url(row.article_id, row.id), "original_url": row.url or None,
        "event_id": row.id, "event_type": row.type, "event_date": row.date.isoformat(),
        "date_precision": row.date_precision, "summary": row.summary, "status": row.status,
    }
    if row.kind != "report":
        out["quote"] = row.quote
    return out


def _baseline_source(entry, report=None) -> dict:
    """The baseline reference; with the metadata of the cited report of the same URL, if any.
    Its summary is the baseline note (our words); it has no quote."""
    return {
        "id": None, "kind": "baseline", "report_id": report.id if report else None,
        "title": report.title if report else "Baseline reference",
        "outlet": report.outlet if report else urlsplit(entry.reference_url).netloc,
        "language": report.language if report else None,
        "published": report.published.isoformat() if report else None,
        "url": entry.reference_url, "original_url": entry.reference_url, "event_id": None,
        "event_type": "baseline", "event_date": entry.date.isoformat(), "date_precision": "day",
        "summary": entry.note or f"Held on {entry.date.isoformat()}, before the period this map covers.",
        "status": "reference",
    }


def reports_by_url(session: Session, urls: Iterable[str]) -> dict[str, Article]:
    """Cited reports whose URL is one of `urls` (baseline references), by URL."""
    urls = list(dict.fromkeys(urls))
    out: dict[str, Article] = {}
    for chunk in _chunks(urls):
        for row in session.execute(
                select(Article.id, Article.title, Article.outlet, Article.language, Article.published,
                       Article.url).where(Article.kind == "report", Article.url.in_(chunk))
                .order_by(Article.id)):
            out.setdefault(row.url, row)
    return out


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


CONFLICT_WINDOW_STATUSES = {"accepted": ("accepted",), "proposed": ("accepted", "proposed")}


def _conflicts(rows, coalition_of: dict[str, str], side_by: dict) -> list[dict]:
    """Days on which the sources about one place disagree, newest first.

    Each source says one thing per day: its strongest claim, as the derivation reads a day
    (held, by a side, over contested: an entry or clashes inside). Sides of one coalition
    agree, as in the derivation. A withdrawal naming no new holder says nothing against a
    report of who took the place, so it is no claim here. A day on which sources make two or
    more different claims is a conflict."""
    if len(rows) < 2:
        return []
    strongest: dict[tuple, tuple] = {}  # (day, source) -> (rank, event id, claim, event)
    for r in sorted(rows, key=lambda r: r.id):
        if r.type == "entry" or r.control == "contested":
            claim, rank = ("contested",), 1
        elif r.control:
            claim, rank = ("held", coalition_of.get(r.control, r.control)), 2
        else:
            continue
        key = (r.date, r.article_id)
        if key not in strongest or rank >= strongest[key][0]:
            strongest[key] = (rank, claim, r)
    by_day: dict[date, dict[tuple, list]] = {}
    for (day, _), (_, claim, r) in strongest.items():
        by_day.setdefault(day, {}).setdefault(claim, []).append(r)
    out = []
    for day in sorted(by_day, reverse=True):
        claims = by_day[day]
        if len(claims) < 2:
            continue
        listed = []
        for claim, evs in claims.items():
            if claim[0] == "held":
                named = Counter(e.control for e in evs)
                label = "held by " + " / ".join(
                    side_by[code].short_name if code in side_by else code
                    for code, _ in sorted(named.items(), key=lambda kv: (-kv[1], kv[0])))
            else:
                label = "contested"
            listed.append({"status": claim[0], "sides": sorted({e.control for e in evs}) if claim[0] == "held" else [],
                           "label": label, "sources": len({e.article_id for e in evs}),
                           "event_ids": sorted(e.id for e in evs)})
        listed.sort(key=lambda c: (-c["sources"], c["label"]))
        parts = []
        for i, c in enumerate(listed):
            n, verb = c["sources"], "say" if c["sources"] != 1 else "says"
            parts.append(f"{n} report{'s' if n != 1 else ''} {verb} {c['label']}" if i == 0
                         else f"{n} {verb} {c['label']}")
        out.append({"date": day.isoformat(), "claims": listed, "text": ", ".join(parts)})
    return out


def _agreement(sources: list[dict]) -> dict:
    """How many sources, outlets and languages the listed sources are."""
    return {"corroboration": len({s["id"] for s in sources}),
            "outlets": len({s["outlet"] for s in sources}),
            "languages": len({s["language"] for s in sources if s["language"]})}


def control_collection(session: Session, day: date, include_proposed: bool = False,
                       stale_after_days: int | None = None, changed_only: bool = False,
                       places: Sequence[str] | None = None) -> dict:
    """GeoJSON FeatureCollection of who controls each known place on `day`.

    Only what was reported by `day` counts: a period's corroborating events dated later are
    neither listed nor counted, nor do they choose the side shown. `freshness` is `reported`
    when the latest supporting report is at most `stale_after_days` old, else `last_known`
    (always for a place known only from the baseline). `changed_only`: only the places whose
    control changed that day; `places`: only these (the counts then cover only them too)."""
    if stale_after_days is None:  # callers without the app's settings: the environment's
        stale_after_days = get_settings().stale_after_days
    c = conflict(session)
    layer = "proposed" if include_proposed else "accepted"
    periods = periods_on(session, day, layer, changed_only=changed_only, places=places)
    side_rows = sides(session)
    side_by = {s.code: s for s in side_rows}
    coalition_of = {s.code: s.coalition for s in side_rows}
    place_by, baseline_by = {}, {}
    rows_by: dict[int, list] = defaultdict(list)
    claims_by: dict[str, list] = defaultdict(list)
    for chunk in _chunks(periods):
        ids = [p.place_id for p in chunk]
        place_by.update((r.id, r) for r in session.execute(
            select(*PLACE_COLUMNS).where(Place.id.in_(ids))))
        base_ids = [p.place_id for p in chunk if p.status == "baseline"]
        if base_ids:
            baseline_by.update((r.place_id, r) for r in session.execute(
                select(BaselineEntry.place_id, BaselineEntry.date, BaselineEntry.reference_url,
                       BaselineEntry.note).where(BaselineEntry.place_id.in_(base_ids))))
        event_periods = [p for p in chunk if p.status != "baseline"]
        if event_periods:
            rows = session.execute(
                select(PeriodEvent.period_id, *SOURCE_COLUMNS)
                .join(Event, Event.id == PeriodEvent.event_id)
                .join(Article, Article.id == Event.article_id)
                .where(PeriodEvent.period_id.in_([p.id for p in event_periods]), Event.date <= day)
                .order_by(Event.date, Article.published, Event.id))
            for row in rows:
                rows_by[row.period_id].append(row)
            # Every claim about these places since their period began: to show disagreements.
            # (The status is checked here, not in SQL: SQLite would then scan by status.)
            statuses = CONFLICT_WINDOW_STATUSES[layer]
            for r in session.execute(
                    select(Event.id, Event.place_id, Event.date, Event.type, Event.control,
                           Event.article_id, Event.status)
                    .join(ControlPeriod, ControlPeriod.place_id == Event.place_id)
                    .where(ControlPeriod.id.in_([p.id for p in event_periods]),
                           Event.date >= ControlPeriod.valid_from, Event.date <= day,
                           or_(Event.control.is_not(None), Event.type == "entry"))):
                if r.status in statuses:
                    claims_by[r.place_id].append(r)
    reports = reports_by_url(session, (b.reference_url for b in baseline_by.values()))
    language = c.native_language if c else ""
    features = []
    reported: Counter[str] = Counter()
    last_known: Counter[str] = Counter()
    for p in periods:
        place = place_by[p.place_id]
        side = p.side
        rows = rows_by.get(p.id, [])
        if p.status == "held" and len({r.control for r in rows}) > 1:
            # The side most of the reports so far name (the latest on a tie), as derive does.
            ordered = sorted(rows, key=lambda r: (r.date, r.id))
            side = derive.most_named([r.control for r in ordered if r.control]) or side
        elif p.status == "held" and rows and rows[0].control:
            side = rows[0].control
        sources = [_event_source(r) for r in rows]
        last_report = max((r.date for r in rows), default=p.valid_from)
        if p.status == "baseline" and p.place_id in baseline_by:
            entry = baseline_by[p.place_id]
            sources = [_baseline_source(entry, reports.get(entry.reference_url))]
            last_report = entry.date
        age = (day - last_report).days
        freshness = "last_known" if p.status == "baseline" or age > stale_after_days else "reported"
        holder = side_by.get(side) if side else None
        challenger = side_by.get(p.challenger) if p.challenger else None
        key = p.coalition if p.status in ("contested", "withdrawn") else (side or "unknown")
        (reported if freshness == "reported" else last_known)[key] += 1
        agreement = _agreement(sources) if p.status != "baseline" else {
            "corroboration": 1, "outlets": 1, "languages": 1 if sources and sources[0]["language"] else 0}
        conflicts = _conflicts(claims_by.get(p.place_id, ()), coalition_of, side_by)
        features.append({
            "type": "Feature",
            "id": place.id,
            "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
            "properties": {
                "id": place.id, "name": place.name, "names": place.names,
                "native_name": place.names.get(language, "") if language else "",
                "kind": place.kind, "population": place.population,
                "governorate": place.governorate,
                "side": side, "side_name": holder.name if holder else
                ("No holder named" if p.status == "withdrawn" else "Unknown"),
                "colour": holder.colour if holder else None,
                "coalition": p.coalition, "status": p.status,
                "challenger": p.challenger,
                "challenger_name": challenger.name if challenger else None,
                "challenger_colour": challenger.colour if challenger else None,
                "previous_side": p.previous_side,
                "since": p.valid_from.isoformat(),
                "until": p.valid_to.isoformat() if p.valid_to else None,
                **agreement,
                "single_source": agreement["corroboration"] <= 1,
                "last_report": last_report.isoformat(),
                "age_days": age,
                "freshness": freshness,
                "conflicts": conflicts,
                "proposed": any(s["status"] == "proposed" for s in sources),
                "sources": sources,
            },
        })
    bounds = date_bounds(session)
    return {
        "type": "FeatureCollection",
        "date": day.isoformat(),
        "layer": layer,
        "stale_after_days": stale_after_days,
        "range": {"start": bounds[0].isoformat(), "end": bounds[1].isoformat()} if bounds else None,
        "conflict": {"id": c.id, "title": c.title, "translations": c.translations or {}} if c else None,
        "sides": [{"code": s.code, "name": s.name, "short_name": s.short_name,
                   "names": s.names or {}, "short_names": s.short_names or {}, "colour": s.colour, "coalition": s.coalition, "count": reported.get(s.code, 0),
                   "reported": reported.get(s.code, 0), "last_known": last_known.get(s.code, 0)}
                  for s in side_rows],
        "statuses": {"contested": reported.get("contested", 0), "withdrawn": reported.get("unknown", 0),
                     "contested_last_known": last_known.get("contested", 0),
                     "withdrawn_last_known": last_known.get("unknown", 0)},
        "features": features,
    }


def _event_filter(stmt, *, date_from: date | None = None, date_to: date | None = None,
                  places: Sequence[str] = (), side_codes: Sequence[str] = (),
                  types: Sequence[str] = (), include_proposed: bool = False, ids: Sequence[str] = ()):
    statuses = ("accepted", "proposed") if include_proposed else ("accepted",)
    stmt = stmt.where(Event.status.in_(statuses))
    if date_from:
        stmt = stmt.where(Event.date >= date_from)
    if date_to:
        stmt = stmt.where(Event.date <= date_to)
    if ids:
        stmt = stmt.where(Event.id.in_(list(ids)))
    if places:
        stmt = stmt.where(Event.place_id.in_(list(places)))
    if side_codes:
        stmt = stmt.where(or_(Event.actor.in_(list(side_codes)), Event.control.in_(list(side_codes))))
    if types:
        stmt = stmt.where(Event.type.in_(list(types)))
    return stmt


def count_events(session: Session, **filters) -> int:
    """How many events match the filters of `events` (one indexed count)."""
    return session.execute(_event_filter(select(func.count()).select_from(Event), **filters)).scalar_one()


def export_rows(session: Session, *, after: tuple[date, str] | None = None, limit: int = 5000,
                include_proposed: bool = False, **filters):
    """Plain rows for the CSV export, in (date, id) order after `after`: only the columns it needs."""
    stmt = (select(Event.id, Event.date, Event.date_precision, Event.type, Event.actor, Event.control,
                   Event.quote, Event.summary, Event.status, Place.id.label("place_id"),
                   Place.name.label("place_name"), Place.lat, Place.lon, Place.kind,
                   Article.id.label("article_id"), Article.outlet, Article.kind.label("source_kind"),
                   Article.url, Article.language)
            .join(Place, Place.id == Event.place_id)
            .join(Article, Article.id == Event.article_id))
    stmt = _event_filter(stmt, include_proposed=include_proposed, **filters)
    if after is not None:
        stmt = stmt.where(tuple_(Event.date, Event.id) > tuple_(*after))
    return session.execute(stmt.order_by(Event.date, Event.id).limit(limit)).all()


def events(session: Session, *, date_from: date | None = None, date_to: date | None = None,
           places: Sequence[str] = (), side_codes: Sequence[str] = (),
           types: Sequence[str] = (), include_proposed: bool = False,
           newest_first: bool = False, limit: int | None = None, offset: int = 0,
           after: tuple[date, str] | None = None, ids: Sequence[str] = ()) -> list[dict]:
    """Events matching the filters, each with its place, side and source (a slice if `limit`).

    `after` = (date, id) of the last event of the previous page: keyset pagination in the
    (date, id) order, one index range scan however deep the page (oldest first only).
    """
    c = conflict(session)
    language = c.native_language if c else ""
    stmt = (select(Event.id, Event.date, Event.date_precision, Event.type, Event.actor,
                   Event.control, Event.quote, Event.summary, Event.status, Event.confidence,
                   Place.id.label("place_id"), Place.name.label("place_name"), Place.names,
                   Place.lat, Place.lon, Place.kind, Place.governorate,
                   Article.id.label("article_id"), Article.title,
                   Article.outlet, Article.language, Article.published, Article.url,
                   Article.kind.label("source_kind"))
            .join(Place, Place.id == Event.place_id)
            .join(Article, Article.id == Event.article_id))
    stmt = _event_filter(stmt, date_from=date_from, date_to=date_to, places=places,
                         side_codes=side_codes, types=types, include_proposed=include_proposed, ids=ids)
    if after is not None:
        if newest_first:
            raise ValueError("keyset pagination runs oldest first")
        stmt = stmt.where(tuple_(Event.date, Event.id) > tuple_(*after))
    order = (Event.date.desc(), Event.id) if newest_first else (Event.date, Event.id)
    side_by = {s.code: s for s in sides(session)}
    out = []
    stmt = stmt.order_by(*order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    for ev in session.execute(stmt):
        actor = side_by.get(ev.actor) if ev.actor else None
        control = side_by.get(ev.control) if ev.control else None
        out.append({
            "id": ev.id, "date": ev.date.isoformat(), "date_precision": ev.date_precision,
            "type": ev.type,
            "place": {"id": ev.place_id, "name": ev.place_name, "names": ev.names,
                      "native_name": ev.names.get(language, "") if language else "",
                      "lat": ev.lat, "lon": ev.lon, "kind": ev.kind, "governorate": ev.governorate},
            "actor": ev.actor, "actor_name": actor.name if actor else None,
            "actor_colour": actor.colour if actor else None,
            "control": ev.control,
            "control_name": control.name if control else None,
            "control_colour": control.colour if control else None,
            "control_coalition": control.coalition if control else ev.control,
            "article": {"id": ev.article_id, "kind": ev.source_kind, "title": ev.title, "outlet": ev.outlet,
                        "language": ev.language, "published": ev.published.isoformat(),
                        "url": source_url(ev.article_id), "original_url": ev.url or None},
            "source_kind": ev.source_kind,
            "quote": ev.quote if ev.source_kind != "report" else None, "summary": ev.summary,
            "url": source_url(ev.article_id, ev.id), "page": event_url(ev.id),
            "status": ev.status, "confidence": ev.confidence,
        })
    return out


def event_counts(session: Session, *, date_to: date | None = None,
                 include_proposed: bool = False, places: Sequence[str] = (),
                 side_codes: Sequence[str] = (), types: Sequence[str] = ()) -> dict[date, int]:
    """Number of events per day (up to `date_to`, with the filters of `events`), counted by the database."""
    stmt = _event_filter(select(Event.date, func.count()).group_by(Event.date), date_to=date_to,
                         places=places, side_codes=side_codes, types=types, include_proposed=include_proposed)
    return dict(session.execute(stmt).all())


def places_with_events(session: Session, *, date_to: date, types: Sequence[str],
                       include_proposed: bool = False) -> set[str]:
    """Ids of the places with at least one event of `types` up to `date_to`."""
    statuses = ("accepted", "proposed") if include_proposed else ("accepted",)
    return set(session.execute(select(Event.place_id).distinct().where(
        Event.status.in_(statuses), Event.date <= date_to, Event.type.in_(list(types)))).scalars())


def timeline(session: Session, include_proposed: bool = False) -> dict:
    """Every day of the conflict's range with its number of events and control changes."""
    bounds = date_bounds(session)
    if bounds is None:
        return {"start": None, "end": None, "days": [], "change_dates": []}
    start, end = bounds
    per_day = event_counts(session, include_proposed=include_proposed)
    layer = "proposed" if include_proposed else "accepted"
    changes = dict(session.execute(
        select(ControlPeriod.valid_from, func.count()).where(ControlPeriod.layer == layer,
                                                             ControlPeriod.status != "baseline")
        .group_by(ControlPeriod.valid_from)).all())
    days = []
    day = start
    while day <= end:
        days.append({"date": day.isoformat(), "events": per_day.get(day, 0),
                     "changes": changes.get(day, 0)})
        day += timedelta(days=1)
    return {"start": start.isoformat(), "end": end.isoformat(), "days": days,
            "change_dates": [d["date"] for d in days if d["changes"]]}


def article_quotes(session: Session, article_id: str) -> list[Event]:
    return list(session.exec(
        select(Event).where(Event.article_id == article_id, Event.status != "rejected")
        .order_by(Event.quote_start, Event.id)).scalars())


def highlight_segments(text: str, spans: Iterable[tuple[int, int, str]]) -> list[dict]:
    """Split `text` into plain and highlighted segments; overlapping quotes merge.

    Each highlighted segment carries the ids of every event quoting inside it, so each
    event keeps an anchor of its own.
    """
    merged: list[list] = []
    for start, end, event_id in sorted(spans):
        if start < 0 or end > len(text) or start >= end:
            continue
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2].append(event_id)
        else:
            merged.append([start, end, [event_id]])
    out, pos = [], 0
    for start, end, ids in merged:
        if start > pos:
            out.append({"text": text[pos:start], "events": []})
        out.append({"text": text[start:end], "events": ids})
        pos = end
    if pos < len(text):
        out.append({"text": text[pos:], "events": []})
    return out


def places_by_id(session: Session, ids: Iterable[str]) -> list[Place]:
    return list(session.exec(select(Place).where(Place.id.in_(list(ids)))).scalars())


STATUS_CODES = ("baseline", "held", "contested", "withdrawn")
PLACE_FIELDS = ["id", "name", "native_name", "lon", "lat", "kind", "population", "governorate"]
PERIOD_FIELDS = ["place", "from", "to", "status", "side", "challenger", "previous_side",
                 "corroboration", "proposed", "reports"]


def compact_places(session: Session) -> dict:
    """Every place's geometry and names, once (the map's static part), as arrays of PLACE_FIELDS."""
    c = conflict(session)
    language = c.native_language if c else ""
    rows = session.execute(select(*PLACE_COLUMNS).order_by(Place.id)).all()
    return {"fields": PLACE_FIELDS, "native_language": language,
            "places": [[r.id, r.name, r.names.get(language, "") if language else "", r.lon, r.lat,
                        r.kind, r.population, r.governorate] for r in rows]}


def compact_periods(session: Session, include_proposed: bool = False) -> dict:
    """Every control period of a layer, compactly, so a client computes any day itself.

    Dates are days since `start`; `to` is exclusive (null: still in force). Indexes point into
    `places` (the order of /api/places.json) and `sides`; `status` into `statuses`. `reports`:
    the days of the events that support the period (a client derives the latest report up to
    a day, and its age, from them); `proposed`: 1 if one of them awaits review.
    """
    layer = "proposed" if include_proposed else "accepted"
    bounds = date_bounds(session)
    c = conflict(session)
    start = c.baseline_date if c else (bounds[0] if bounds else date(1970, 1, 1))
    place_ids = list(session.execute(select(Place.id).order_by(Place.id)).scalars())
    place_index = {p: i for i, p in enumerate(place_ids)}
    side_codes = [s.code for s in sides(session)]
    side_index = {s: i for i, s in enumerate(side_codes)}
    support: dict[int, list[date]] = defaultdict(list)
    unreviewed: set[int] = set()
    for period_id, day, status in session.execute(
            select(PeriodEvent.period_id, Event.date, Event.status)
            .join(Event, Event.id == PeriodEvent.event_id)
            .join(ControlPeriod, ControlPeriod.id == PeriodEvent.period_id)
            .where(ControlPeriod.layer == layer)):
        support[period_id].append(day)
        if status == "proposed":
            unreviewed.add(period_id)
    out = []
    for p in session.execute(select(*PERIOD_COLUMNS).where(ControlPeriod.layer == layer)
                             .order_by(ControlPeriod.place_id, ControlPeriod.valid_from)):
        out.append([place_index[p.place_id], (p.valid_from - start).days,
                    (p.valid_to - start).days if p.valid_to else None, STATUS_CODES.index(p.status),
                    side_index.get(p.side), side_index.get(p.challenger), side_index.get(p.previous_side),
                    p.corroboration, 1 if p.id in unreviewed else 0,
                    sorted({(d - start).days for d in support.get(p.id, ())})])
    return {"layer": layer, "start": start.isoformat(),
            "range": {"start": bounds[0].isoformat(), "end": bounds[1].isoformat()} if bounds else None,
            "fields": PERIOD_FIELDS, "statuses": list(STATUS_CODES), "sides": side_codes,
            "side_info": [{"code": s.code, "name": s.name, "short_name": s.short_name, "colour": s.colour,
                           "names": s.names or {}, "short_names": s.short_names or {}}
                          for s in sides(session)],
            "places": place_ids, "periods": out}
