"""The first request of a day, fast: /api/control.geojson assembled from pre-serialized parts.

A day's GeoJSON (`queries.control_collection`) is, for each place, the control period in force
that day and what had been reported about it by then: the side most reports name, its sources,
their count, outlets and languages, the days on which sources disagree, whether an unreviewed
event is among them. All of that changes only on the days a report or a disagreement is dated,
so it is computed here once, when the periods are (every writer ends with
`loader.rebuild_periods`, which calls `rebuild`), and kept as UTF-8 JSON text (bytes, the
response's own: nothing to decode or encode per request) in three tables:

- `placepart`: the place's part of the feature (`{"type":"Feature",…,"governorate":…,`);
- `periodpart`: the period's fixed part (`"coalition":…,"until":…,`) and all its sources,
  serialized in the order the feature lists them;
- `periodstep`: one row per day of a period on which something it shows changes (its first
  day, each day a supporting report or a disagreement is dated), with the side, the agreement,
  the disagreements, the unreviewed flag and how many bytes of the sources it lists.

A day is then one indexed query (the period in force for each place, its step in force, the
sources cut to that step in SQL) and byte concatenation, with only `age_days`, `freshness` and the
legend's counts computed for the asked date. The text is what `daycache.encode` makes of
`control_collection`'s dict, byte for byte (tests/test_dayparts.py checks every day).

The parts are built with the same functions the dict is (`queries.place_feature`,
`holder_members`, `period_members`, `legend_key`, `_event_source`, `_baseline_source`, `_conflicts`,
`shown_side`). Without unreviewed events the proposed layer is
the accepted one (the loader derives it once), so its parts are built and read once.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import and_, delete, func, inspect, or_, select, type_coerce
from sqlalchemy.types import NullType
from sqlmodel import Session

from . import queries
from .daycache import encode
from .models import (BaselineEntry, ControlPeriod, Event, PeriodEvent, PeriodPart, PeriodStep, Place,
                     PlacePart)

CHUNK = 500  # places per round of queries while building
FRESHNESS = {False: b',"freshness":"reported",', True: b',"freshness":"last_known",'}


def _members(d: dict) -> bytes:
    """A dict's members as they appear inside its JSON object, with the comma that follows."""
    return encode(d)[1:-1] + b","


def has_tables(conn) -> bool:
    """False on a database older than migration 0007 (then nothing is built or read here)."""
    return inspect(conn).has_table("periodstep")


def _has_unreviewed(session: Session) -> bool:
    return session.execute(select(Event.id).where(Event.status == "proposed").limit(1)).first() is not None


def rebuild(session: Session, insert, progress=None) -> int:
    """Replace every part with those of the current periods (in the caller's transaction);
    `insert(session, table, rows, progress, what)` is the loader's bulk insert. Returns the
    number of steps written."""
    conn = session.connection()
    if not has_tables(conn):
        return 0
    for model in (PeriodStep, PeriodPart, PlacePart):
        conn.execute(delete(model))
    layers = ("accepted", "proposed") if _has_unreviewed(session) else ("accepted",)
    c = queries.conflict(session)
    language = c.native_language if c else ""
    side_rows = queries.sides(session)
    side_by = {s.code: s for s in side_rows}
    coalition_of = {s.code: s.coalition for s in side_rows}
    place_ids = list(session.execute(select(Place.id).order_by(Place.id)).scalars())
    source_text: dict[str, bytes] = {}  # event id -> its source, serialized (shared by the layers)
    written = 0
    for start in range(0, len(place_ids), CHUNK):
        chunk = place_ids[start:start + CHUNK]
        heads, parts, steps = _chunk_parts(session, chunk, layers, language, side_by, coalition_of,
                                           source_text)
        insert(session, PlacePart.__table__, heads)
        insert(session, PeriodPart.__table__, parts)
        insert(session, PeriodStep.__table__, steps)
        written += len(steps)
        if progress:
            progress("day parts", min(start + CHUNK, len(place_ids)), len(place_ids))
        source_text.clear()  # an event is about one place: no later chunk asks for it
    return written


def _chunk_parts(session, chunk, layers, language, side_by, coalition_of, source_text):
    cp = ControlPeriod
    conn = session.connection()  # Core rows: lighter than the ORM's
    heads = []
    for r in conn.execute(select(*queries.PLACE_COLUMNS).where(Place.id.in_(chunk))).all():
        feature = encode(queries.place_feature(r, language, {}))
        heads.append({"place_id": r.id, "head": feature[:-2] + b","})
    periods = conn.execute(select(cp.layer, *queries.PERIOD_COLUMNS)
                              .where(cp.layer.in_(layers), cp.place_id.in_(chunk)).order_by(cp.id)).all()
    rows_by: dict[int, list] = defaultdict(list)
    for row in conn.execute(
            select(PeriodEvent.period_id, *queries.SOURCE_COLUMNS)
            .join(Event, Event.id == PeriodEvent.event_id)
            .join(queries.Article, queries.Article.id == Event.article_id)
            .join(cp, cp.id == PeriodEvent.period_id)
            .where(cp.layer.in_(layers), cp.place_id.in_(chunk))
            .order_by(Event.date, queries.Article.published, Event.id)).all():  # control_collection's order
        rows_by[row.period_id].append(row)
    claims_by: dict[str, list] = defaultdict(list)
    for r in conn.execute(
            select(Event.id, Event.place_id, Event.date, Event.type, Event.control, Event.article_id,
                   Event.status)
            .where(Event.place_id.in_(chunk), Event.status.in_(("accepted", "proposed")),
                   or_(Event.control.is_not(None), Event.type == "entry"))).all():
        claims_by[r.place_id].append(r)
    # The days on which a place's sources disagree, per layer. `_conflicts` makes each day's entry
    # from that day's claims alone, so a period's entries up to a day are these, cut to its window.
    disagreements: dict[tuple[str, str], list] = {}
    for place, claims in claims_by.items():
        if len(claims) < 2:
            continue
        for layer in layers:
            statuses = queries.CONFLICT_WINDOW_STATUSES[layer]
            entries = queries._conflicts([r for r in claims if r.status in statuses], coalition_of, side_by)
            if entries:
                disagreements[place, layer] = [(date.fromisoformat(e["date"]), encode(e)) for e in entries]
    baseline_by = {r.place_id: r for r in conn.execute(
        select(BaselineEntry.place_id, BaselineEntry.date, BaselineEntry.reference_url, BaselineEntry.note)
        .where(BaselineEntry.place_id.in_(chunk))).all()}
    reports = queries.reports_by_url(session, (b.reference_url for b in baseline_by.values()))

    parts, steps = [], []
    middles: dict[tuple, bytes] = {}
    fronts: dict[tuple, bytes] = {}
    for p in periods:
        if p.valid_to is not None and p.valid_to <= p.valid_from:
            continue  # never in force (a baseline replaced on its own day)
        shape = (p.coalition, p.status, p.challenger, p.previous_side)
        middle = middles.get(shape)
        if middle is None:
            middle = middles[shape] = _members(queries.period_members(p, side_by))
        until = b'"' + p.valid_to.isoformat().encode() + b'"' if p.valid_to else b"null"
        middle += b'"since":"' + p.valid_from.isoformat().encode() + b'","until":' + until + b","
        if p.status == "baseline":
            texts, period_steps = _baseline_steps(p, baseline_by.get(p.place_id), reports)
        else:
            window = [(d, t) for d, t in disagreements.get((p.place_id, p.layer), ())
                      if d >= p.valid_from and (p.valid_to is None or d < p.valid_to)]
            texts, period_steps = _event_steps(p, rows_by.get(p.id, []), window, source_text)
        parts.append({"period_id": p.id, "middle": middle, "sources": b",".join(texts)})
        ends = [0]
        for t in texts:
            ends.append(ends[-1] + len(t) + (1 if len(ends) > 1 else 0))
        for i, (day, side, count, agreement, last_report, conflicts, proposed) in enumerate(period_steps):
            front = fronts.get((side, p.status))
            if front is None:
                front = fronts[side, p.status] = _members(queries.holder_members(side, p.status, side_by))
            corroboration, outlets, languages = agreement
            steps.append({
                "period_id": p.id, "day": day,
                "next_day": period_steps[i + 1][0] if i + 1 < len(period_steps) else None,
                "last_report": last_report,
                "legend_key": queries.legend_key(p.status, p.coalition, side),
                "front": front,
                "agreement": (f'"corroboration":{corroboration},"outlets":{outlets},"languages":{languages},'
                              f'"single_source":{"true" if corroboration <= 1 else "false"},'
                              f'"last_report":"{last_report.isoformat()}","age_days":').encode(),
                "back": b'"conflicts":' + conflicts + (b',"proposed":true' if proposed else b',"proposed":false')
                        + b',"sources":[',
                "sources_end": ends[count],
            })
    return heads, parts, steps


def _baseline_steps(p, entry, reports):
    """A baseline period shows the same all along: its reference, last known."""
    if entry is None:  # (the loader always has one; as control_collection would show it)
        return [], [(p.valid_from, p.side, 0, (1, 1, 0), p.valid_from, b"[]", False)]
    source = queries._baseline_source(entry, reports.get(entry.reference_url))
    return [encode(source)], [(p.valid_from, p.side, 1, (1, 1, 1 if source["language"] else 0), entry.date,
                               b"[]", False)]


def _event_steps(p, rows, disagreements, source_text):
    """The period as of each day something it shows changes: its first day, each day a report
    supporting it is dated, each day its place's sources disagree. As `control_collection` reads
    it: only the reports dated by that day count (`_agreement`, `shown_side`, `proposed`)."""
    texts = []
    for r in rows:
        t = source_text.get(r.id)
        if t is None:
            t = source_text[r.id] = encode(queries._event_source(r))
        texts.append(t)
    days = sorted({p.valid_from, *(r.date for r in rows), *(d for d, _ in disagreements)})
    out = []
    count = 0
    articles, outlets, languages = set(), set(), set()
    proposed = False
    for day in days:
        if p.valid_to is not None and day >= p.valid_to:
            break
        while count < len(rows) and rows[count].date <= day:
            r = rows[count]
            articles.add(r.article_id)
            outlets.add(r.outlet)
            if r.language:
                languages.add(r.language)
            proposed = proposed or r.status == "proposed"
            count += 1
        listed = rows[:count]
        conflicts = b"[" + b",".join(t for d, t in disagreements if d <= day) + b"]"
        out.append((day, queries.shown_side(p.status, p.side, listed), count,
                    (len(articles), len(outlets), len(languages)),
                    listed[-1].date if listed else p.valid_from, conflicts, proposed))
    return texts, out


def collection_bytes(session: Session, day: date, include_proposed: bool = False,
                     stale_after_days: int | None = None) -> bytes | None:
    """`daycache.encode(queries.control_collection(session, day, include_proposed, stale_after_days))`,
    from the parts; None when they are not there (a database migrated but not loaded since)."""
    if stale_after_days is None:
        stale_after_days = queries.get_settings().stale_after_days
    if not has_tables(session.connection()):
        return None
    layer = "proposed" if include_proposed else "accepted"
    # Without unreviewed events the proposed layer's periods are the accepted ones, parts and all.
    read_layer = "proposed" if include_proposed and _has_unreviewed(session) else "accepted"
    cp = ControlPeriod
    raw = lambda column: type_coerce(column, NullType())  # noqa: E731  (the driver's bytes, not a copy)
    stmt = (select(cp.status, raw(PlacePart.head), raw(PeriodStep.front), raw(PeriodPart.middle),
                   raw(PeriodStep.agreement), raw(PeriodStep.back),
                   raw(func.substr(PeriodPart.sources, 1, PeriodStep.sources_end)),
                   PeriodStep.last_report, PeriodStep.legend_key)
            .select_from(cp)
            .outerjoin(PlacePart, PlacePart.place_id == cp.place_id)
            .outerjoin(PeriodPart, PeriodPart.period_id == cp.id)
            .outerjoin(PeriodStep, and_(PeriodStep.period_id == cp.id, PeriodStep.day <= day,
                                        or_(PeriodStep.next_day.is_(None), PeriodStep.next_day > day)))
            .where(*queries._in_force(day, read_layer))
            .order_by(cp.place_id))
    out: list[bytes] = []
    reported: Counter[str] = Counter()
    last_known: Counter[str] = Counter()
    rows = session.connection().execute(stmt).all()  # Core rows, the blobs as the driver gives them
    for status, head, front, middle, agreement, back, sources, last_report, key in rows:
        if head is None or middle is None or front is None:
            return None  # not built for this layer: the caller builds the day the old way
        age = (day - last_report).days
        stale = status == "baseline" or age > stale_after_days
        (last_known if stale else reported)[key] += 1
        if out:
            out.append(b",")
        out += (head, front, middle, agreement, str(age).encode(), FRESHNESS[stale], back, sources, b"]}}")
    head = encode(queries.collection_head(session, day, layer, stale_after_days, queries.conflict(session),
                                          queries.sides(session), reported, last_known))
    return b"".join((head[:-1], b',"features":[', *out, b"]}"))
