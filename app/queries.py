"""Read-side queries shared by the JSON API and the HTML pages."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

from sqlalchemy import case, func, literal, null, or_, select, tuple_, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
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


def _day_state_cte(session: Session, day: date, layer: str, stale_after_days: int):
    """Each place's state on `day` as the GeoJSON states it, in SQL: one row per place with
    `key` (what it counts for in the legend: its holder, or the coalition `contested` /
    `unknown` for contested and withdrawn places), `stale` (1: last known), `proposed` (1: rests
    on an unreviewed event reported by the day), `side` (the holder shown) and `challenger`.

    The rules of `control_collection`, without building it: only the supporting events dated up
    to `day` count; a held place shows the side most of them name (the latest named on a tie,
    in (date, id) order); its last report is the latest of them, and it is last known when that
    is older than `stale_after_days` or it rests on the baseline alone. Window functions (SQLite
    >= 3.25, PostgreSQL): one statement, read by the (layer, valid_from) index."""
    cp = ControlPeriod
    pg = session.get_bind().dialect.name == "postgresql"
    inforce = (select(cp.id, cp.place_id, cp.status, cp.coalition, cp.side, cp.challenger)
               .where(*_in_force(day, layer)).cte("inforce"))
    period = (inforce.c.id, inforce.c.place_id, inforce.c.status, inforce.c.coalition, inforce.c.side,
              inforce.c.challenger)
    # every event behind a period in force, reported by the day
    ev = (select(*period, Event.control, Event.date, Event.id.label("event_id"),
                 case((Event.status == "proposed", 1), else_=0).label("prop"))
          .select_from(inforce)
          .join(PeriodEvent, PeriodEvent.period_id == inforce.c.id)
          .join(Event, Event.id == PeriodEvent.event_id)
          .where(Event.date <= day).cte("ev"))
    ev_period = [ev.c[c.name] for c in period]
    # per period: its latest report, any unreviewed, and the sides its reports name
    agg = (select(*ev_period, func.max(ev.c.date).label("last_report"), func.max(ev.c.prop).label("proposed"),
                  func.count(func.distinct(ev.c.control)).label("nc"), func.min(ev.c.control).label("named"))
           .group_by(*ev_period).cte("agg"))
    # held periods whose reports name several sides (of one coalition): the side named most,
    # the latest named on a tie, in (date, id) order; window functions over these few only
    multi = (select(ev.c.id, ev.c.control,
                    func.row_number().over(partition_by=ev.c.id, order_by=(ev.c.date, ev.c.event_id.collate("C") if pg else ev.c.event_id))
                    .label("seq"))
             .where(ev.c.status == "held", ev.c.id.in_(select(agg.c.id).where(agg.c.nc > 1))).cte("multi"))
    named = (select(multi.c.id, multi.c.control, func.count().label("n"), func.max(multi.c.seq).label("last_seq"))
             .group_by(multi.c.id, multi.c.control).cte("named"))
    ranked = (select(named.c.id, named.c.control,
                     func.row_number().over(partition_by=named.c.id,
                                            order_by=(named.c.n.desc(), named.c.last_seq.desc())).label("r"))
              .cte("ranked"))
    most_named = (select(ranked.c.control).where(ranked.c.id == agg.c.id, ranked.c.r == 1)
                  .scalar_subquery())
    side = case((agg.c.status == "held",
                 func.coalesce(case((agg.c.nc > 1, most_named), else_=agg.c.named), agg.c.side)),
                else_=agg.c.side)
    stale = case((agg.c.last_report < day - timedelta(days=stale_after_days), 1), else_=0)
    # a period resting on events has one reported by its first day; one on the baseline has none
    states = union_all(
        select(agg.c.place_id, agg.c.status, agg.c.coalition, side.label("side"), agg.c.challenger,
               stale.label("stale"), agg.c.proposed),
        select(inforce.c.place_id, inforce.c.status, inforce.c.coalition, inforce.c.side, inforce.c.challenger,
               literal(1).label("stale"), literal(0).label("proposed")).where(inforce.c.status == "baseline"),
    ).cte("states")
    key = case((states.c.status.in_(("contested", "withdrawn")), states.c.coalition),
               else_=func.coalesce(states.c.side, literal("unknown")))
    return (select(states.c.place_id, states.c.status, states.c.side, states.c.challenger, key.label("key"),
                   states.c.stale, states.c.proposed).cte("daystate"))


def day_states(session: Session, day: date, include_proposed: bool = False,
               stale_after_days: int | None = None) -> dict[str, tuple]:
    """place id -> (status, side shown, challenger, last known?, unreviewed?) on `day`: the
    GeoJSON's state of every place, without its sources (one query)."""
    if stale_after_days is None:
        stale_after_days = get_settings().stale_after_days
    st = _day_state_cte(session, day, "proposed" if include_proposed else "accepted", stale_after_days)
    return {r.place_id: (r.status, r.side, r.challenger, bool(r.stale), bool(r.proposed))
            for r in session.execute(select(st))}


def disagreement_candidates(session: Session, since: date, day: date, include_proposed: bool = False) -> list[str]:
    """Places on which two or more sources made a claim of control (held, entry, contested) on
    one day between `since` and `day`: the only places whose reports can disagree in that window
    (`control_collection(places=...)` then says whether they do). One grouped query."""
    statuses = CONFLICT_WINDOW_STATUSES["proposed" if include_proposed else "accepted"]
    per_day = (select(Event.place_id).where(Event.date >= since, Event.date <= day,
                                            Event.status.in_(statuses),
                                            or_(Event.control.is_not(None), Event.type == "entry"))
               .group_by(Event.place_id, Event.date).having(func.count(func.distinct(Event.article_id)) > 1))
    return sorted(set(session.execute(per_day).scalars()))


def legend_statement(session: Session, day: date, layer: str, stale_after_days: int):
    """The legend's one grouped query: places per (key, stale) and how many rest on an unreviewed event."""
    st = _day_state_cte(session, day, layer, stale_after_days)
    return (select(st.c.key, st.c.stale, func.count().label("n"), func.sum(st.c.proposed).label("unreviewed"))
            .group_by(st.c.key, st.c.stale))


def day_legend(session: Session, day: date, include_proposed: bool = False,
               stale_after_days: int | None = None) -> dict:
    """The counts of `/api/control.geojson`'s `sides` and `statuses` (reported and last known)
    and the number of places resting on an unreviewed event, from one grouped query."""
    if stale_after_days is None:
        stale_after_days = get_settings().stale_after_days
    layer = "proposed" if include_proposed else "accepted"
    rows = session.execute(legend_statement(session, day, layer, stale_after_days)).all()
    return _legend_of(session, rows, layer, stale_after_days)


def _legend_of(session: Session, rows, layer: str, stale_after_days: int) -> dict:
    """day_legend's answer from the grouped rows (key, stale, places, unreviewed)."""
    reported: Counter[str] = Counter()
    last_known: Counter[str] = Counter()
    unreviewed = 0
    for key, stale, n, unrev in rows:
        (last_known if stale else reported)[key] += n
        unreviewed += int(unrev or 0)
    return {"layer": layer, "stale_after_days": stale_after_days, "unreviewed": unreviewed,
            **_counts(sides(session), reported, last_known)}


def matches_statement(session: Session, day: date, layer: str, stale_after_days: int,
                      side: str | None = None, legend: bool = True):
    """The side panel's filter in SQL, in one statement with the legend's grouped rows when `legend`
    (the day's states are computed once for both): with `side`, the places with a state on `day`
    whose side shown or challenger is `side`; without, the places with NO state on `day` (few:
    those not reported yet), so that no filter reads every place's id. Rows: (key, stale, n,
    unreviewed, place_id), the legend's with place_id NULL, the places' with only it."""
    st = _day_state_cte(session, day, layer, stale_after_days)
    blank = (null().label("key"), null().label("stale"), null().label("n"), null().label("unreviewed"))
    if side:
        places = select(*blank, st.c.place_id).where(or_(st.c.side == side, st.c.challenger == side))
    else:
        places = select(*blank, Place.id.label("place_id")).where(Place.id.not_in(select(st.c.place_id)))
    if not legend:
        return places
    return union_all(select(st.c.key, st.c.stale, func.count().label("n"), func.sum(st.c.proposed).label("unreviewed"),
                            null().label("place_id")).group_by(st.c.key, st.c.stale), places)


def day_matches(session: Session, day: date, include_proposed: bool = False,
                stale_after_days: int | None = None, side: str | None = None,
                legend: bool = True) -> tuple[dict | None, list[str]]:
    """(day_legend's answer, or None without `legend`; place ids, sorted) from one statement
    (matches_statement): with `side`, the places with a state on `day` whose side shown or
    challenger is `side`; without, the places that have NO state on `day`. What `day_states`
    says, without reading every place's state into Python."""
    if stale_after_days is None:
        stale_after_days = get_settings().stale_after_days
    layer = "proposed" if include_proposed else "accepted"
    rows = session.execute(matches_statement(session, day, layer, stale_after_days, side, legend)).all()
    ids = sorted(r.place_id for r in rows if r.place_id is not None)
    if not legend:
        return None, ids
    return _legend_of(session, [r[:4] for r in rows if r.place_id is None], layer, stale_after_days), ids


def side_public(s) -> dict:
    """A side as the API names it (the GeoJSON's `sides`, periods.json's `side_info`)."""
    return {"code": s.code, "name": s.name, "short_name": s.short_name,
            "names": s.names or {}, "short_names": s.short_names or {},
            "colour": s.colour, "coalition": s.coalition}


def _counts(side_rows, reported: Counter, last_known: Counter) -> dict:
    """`sides` and `statuses` as /api/control.geojson states them."""
    return {
        "sides": [{**side_public(s), "count": reported.get(s.code, 0),
                   "reported": reported.get(s.code, 0), "last_known": last_known.get(s.code, 0)}
                  for s in side_rows],
        "statuses": {"contested": reported.get("contested", 0), "withdrawn": reported.get("unknown", 0),
                     "contested_last_known": last_known.get("contested", 0),
                     "withdrawn_last_known": last_known.get("unknown", 0)},
    }


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


def shown_side(status: str, period_side: str | None, rows) -> str | None:
    """The side a period shows given its supporting events reported so far (rows with `date`,
    `id`, `control`): for a held place, the side most of them name (the latest named on a tie,
    in (date, id) order), as the derivation does; otherwise the period's holder."""
    if status != "held" or not rows:
        return period_side
    if len({r.control for r in rows}) > 1:
        ordered = sorted(rows, key=lambda r: (r.date, r.id))
        return derive.most_named([r.control for r in ordered if r.control]) or period_side
    return rows[0].control or period_side


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
        rows = rows_by.get(p.id, [])
        side = shown_side(p.status, p.side, rows)
        sources = [_event_source(r) for r in rows]
        last_report = max((r.date for r in rows), default=p.valid_from)
        if p.status == "baseline" and p.place_id in baseline_by:
            entry = baseline_by[p.place_id]
            sources = [_baseline_source(entry, reports.get(entry.reference_url))]
            last_report = entry.date
        age = (day - last_report).days
        freshness = "last_known" if p.status == "baseline" or age > stale_after_days else "reported"
        key = legend_key(p.status, p.coalition, side)
        (reported if freshness == "reported" else last_known)[key] += 1
        agreement = _agreement(sources) if p.status != "baseline" else {
            "corroboration": 1, "outlets": 1, "languages": 1 if sources and sources[0]["language"] else 0}
        conflicts = _conflicts(claims_by.get(p.place_id, ()), coalition_of, side_by)
        features.append(place_feature(place, language, {
            **holder_members(side, p.status, side_by),
            **period_members(p, side_by),
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
        }))
    return {**collection_head(session, day, layer, stale_after_days, c, side_rows, reported, last_known),
            "features": features}


def place_feature(place, language: str, state: dict) -> dict:
    """A place's feature of /api/control.geojson: its geometry and names, then its `state` on the day."""
    return {
        "type": "Feature",
        "id": place.id,
        "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
        "properties": {
            "id": place.id, "name": place.name, "names": place.names,
            "native_name": place.names.get(language, "") if language else "",
            "kind": place.kind, "population": place.population,
            "governorate": place.governorate,
            **state,
        },
    }


def holder_members(side: str | None, status: str, side_by: dict) -> dict:
    """The side a feature shows: its code, name (or why there is none) and colour."""
    holder = side_by.get(side) if side else None
    return {"side": side,
            "side_name": holder.name if holder else ("No holder named" if status == "withdrawn" else "Unknown"),
            "colour": holder.colour if holder else None}


def period_members(p, side_by: dict) -> dict:
    """A control period's members of a feature that do not change while it is in force."""
    challenger = side_by.get(p.challenger) if p.challenger else None
    return {"coalition": p.coalition, "status": p.status, "challenger": p.challenger,
            "challenger_name": challenger.name if challenger else None,
            "challenger_colour": challenger.colour if challenger else None,
            "previous_side": p.previous_side}


def legend_key(status: str, coalition: str, side: str | None) -> str:
    """Where a feature counts in the legend: its coalition when contested or withdrawn, else its side."""
    return coalition if status in ("contested", "withdrawn") else (side or "unknown")


def collection_head(session: Session, day: date, layer: str, stale_after_days: int, c: Conflict | None,
                    side_rows, reported: Counter, last_known: Counter) -> dict:
    """Every member of /api/control.geojson but its `features`, in the answer's order (the
    day parts of app/dayparts.py put the features after it, as control_collection does)."""
    bounds = date_bounds(session)
    return {
        "type": "FeatureCollection",
        "date": day.isoformat(),
        "layer": layer,
        "stale_after_days": stale_after_days,
        "range": {"start": bounds[0].isoformat(), "end": bounds[1].isoformat()} if bounds else None,
        "conflict": {"id": c.id, "title": c.title, "translations": c.translations or {}} if c else None,
        **_counts(side_rows, reported, last_known),
    }


class Unindexed(ColumnElement):
    """A column that SQLite's planner may not read by an index (`+column`, SQLite's documented way);
    the column itself elsewhere. For filters that keep a large share of a table, where one pass
    over the table beats a lookup of every row by an index."""
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(Unindexed)
def _unindexed(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def _event_filter(stmt, *, date_from: date | None = None, date_to: date | None = None,
                  places: Sequence[str] = (), side_codes: Sequence[str] = (),
                  types: Sequence[str] = (), include_proposed: bool = False, ids: Sequence[str] = (),
                  scan: bool = False):
    """The filters of `events`; `scan`: read the event table in one pass, by no index (SQLite).
    A filter on many places (over SCAN_ABOVE: a broad search) never picks the place index: the
    rows are read in the order asked for (date) and checked against the places."""
    status, day, place = ((Unindexed(Event.status), Unindexed(Event.date), Unindexed(Event.place_id)) if scan
                          else (Event.status, Event.date,
                                Unindexed(Event.place_id) if len(places) > SCAN_ABOVE else Event.place_id))
    statuses = ("accepted", "proposed") if include_proposed else ("accepted",)
    stmt = stmt.where(status.in_(statuses))
    if date_from:
        stmt = stmt.where(day >= date_from)
    if date_to:
        stmt = stmt.where(day <= date_to)
    if ids:
        stmt = stmt.where(Event.id.in_(list(ids)))
    if places:
        stmt = stmt.where(place.in_(list(places)))
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


SCAN_ABOVE = 200  # places: a filter on more of them reads the event table in one pass (see event_counts)


def event_counts(session: Session, *, date_to: date | None = None,
                 include_proposed: bool = False, places: Sequence[str] = (),
                 side_codes: Sequence[str] = (), types: Sequence[str] = ()) -> dict[date, int]:
    """Number of events per day (up to `date_to`, with the filters of `events`), counted by the database.

    A side or type filter, or one on many places, matches a large share of the events: SQLite then
    reads the table in one pass (no index: `scan`) rather than every row by the (status, date) index,
    6x faster at 100,000 events (its planner does not know how many rows the filter keeps)."""
    scan = bool(side_codes or types or len(places) > SCAN_ABOVE)
    stmt = _event_filter(select(Event.date, func.count()).group_by(Unindexed(Event.date) if scan else Event.date),
                         date_to=date_to, places=places, side_codes=side_codes, types=types,
                         include_proposed=include_proposed, scan=scan)
    return dict(session.execute(stmt).all())


def first_event_dates(session: Session, *, types: Sequence[str], include_proposed: bool = False) -> dict[str, date]:
    """Place id -> the date of its first event of `types`: a day's places with such an event are
    those whose first is on or before it (one pass over the event table, as in event_counts)."""
    stmt = _event_filter(select(Event.place_id, func.min(Event.date)).group_by(Unindexed(Event.place_id)),
                         types=types, include_proposed=include_proposed, scan=True)
    return dict(session.execute(stmt).all())


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


REPORT_FIELDS = ["day", "side", "sources", "outlets", "languages", "unreviewed"]


def compact_periods(session: Session, include_proposed: bool = False,
                    stale_after_days: int | None = None) -> dict:
    """Every control period of a layer, compactly, so a client computes any day itself, with
    the meaning of /api/control.geojson.

    Dates are days since `start`; `to` is exclusive (null: still in force). Indexes point into
    `places` (the order of /api/places.json) and `sides`; `status` into `statuses`.
    `reports`: one row per day on which a report supports the period (REPORT_FIELDS), giving the
    state as of the end of that day, counting only what was reported by then: `side` (the side
    shown: for a held place the one most reports name), `sources`, `outlets`, `languages` (the
    GeoJSON's corroboration, outlets and languages) and `unreviewed` (1 once an unreviewed event
    supports it). On day D a period's last row dated <= D is its state; that row's day is the
    `last_report`, D minus it the `age_days`, and the place is `last_known` when that exceeds
    `stale_after_days` or the status is `baseline` (whose one row is the baseline reference's).
    `corroboration` and `proposed`: the whole period's (its last row's).
    """
    if stale_after_days is None:
        stale_after_days = get_settings().stale_after_days
    layer = "proposed" if include_proposed else "accepted"
    bounds = date_bounds(session)
    c = conflict(session)
    start = c.baseline_date if c else (bounds[0] if bounds else date(1970, 1, 1))
    place_ids = list(session.execute(select(Place.id).order_by(Place.id)).scalars())
    place_index = {p: i for i, p in enumerate(place_ids)}
    side_rows = sides(session)
    side_index = {s.code: i for i, s in enumerate(side_rows)}
    support: dict[int, list] = defaultdict(list)
    for row in session.execute(
            select(PeriodEvent.period_id, Event.id, Event.date, Event.control, Event.status,
                   Article.id.label("article_id"), Article.outlet, Article.language)
            .join(Event, Event.id == PeriodEvent.event_id)
            .join(Article, Article.id == Event.article_id)
            .join(ControlPeriod, ControlPeriod.id == PeriodEvent.period_id)
            .where(ControlPeriod.layer == layer)):
        support[row.period_id].append(row)
    baseline = dict(session.execute(select(BaselineEntry.place_id, BaselineEntry.reference_url)).all())
    reports = reports_by_url(session, baseline.values())
    out = []
    for p in session.execute(select(*PERIOD_COLUMNS).where(ControlPeriod.layer == layer)
                             .order_by(ControlPeriod.place_id, ControlPeriod.valid_from)):
        steps = []
        if p.status == "baseline":
            report = reports.get(baseline.get(p.place_id, ""))
            steps.append([(p.valid_from - start).days, side_index.get(p.side), 1, 1,
                          1 if report is not None and report.language else 0, 0])
        else:
            rows = sorted(support.get(p.id, ()), key=lambda r: (r.date, r.id))
            sources, outlets, languages, unreviewed = set(), set(), set(), 0
            for i, r in enumerate(rows):
                sources.add(r.article_id)
                outlets.add(r.outlet)
                if r.language:
                    languages.add(r.language)
                unreviewed = unreviewed or int(r.status == "proposed")
                if i + 1 < len(rows) and rows[i + 1].date == r.date:
                    continue  # the day's last row carries the day's state
                steps.append([(r.date - start).days, side_index.get(shown_side(p.status, p.side, rows[:i + 1])),
                              len(sources), len(outlets), len(languages), unreviewed])
        out.append([place_index[p.place_id], (p.valid_from - start).days,
                    (p.valid_to - start).days if p.valid_to else None, STATUS_CODES.index(p.status),
                    side_index.get(p.side), side_index.get(p.challenger), side_index.get(p.previous_side),
                    p.corroboration, steps[-1][5] if steps else 0, steps])
    return {"layer": layer, "start": start.isoformat(), "stale_after_days": stale_after_days,
            "range": {"start": bounds[0].isoformat(), "end": bounds[1].isoformat()} if bounds else None,
            "fields": PERIOD_FIELDS, "report_fields": REPORT_FIELDS, "statuses": list(STATUS_CODES),
            "sides": [s.code for s in side_rows],
            "side_info": [side_public(s) for s in side_rows],
            "places": place_ids, "periods": out}
