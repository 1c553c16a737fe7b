"""The JSON (and CSV) API. OpenAPI at /docs."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlmodel import Session

from . import daycache, dayparts, queries
from .db import SessionDep, engine_for
from .httpcache import SCOPE_KEY, request_data_version
from .models import EVENT_TYPES, Article, Place, Side
from .params import check_choices, check_in_range, invalid, parse_day
from .params import parse_include
from .schemas import (ControlCollection, EventList, Health, NotFoundBody, SideList, SourceArticle,
                      Timeline, UnavailableBody)

router = APIRouter()

GEOJSON = "application/geo+json"
PRECISION_CODE = {"day": 1, "week": 2, "month": 3}
GEO_PRECISION = {"region": 3}
CSV_COLUMNS = ["event_id", "event_date", "time_precision", "event_type", "actor1", "control",
               "control_coalition", "location", "location_id", "latitude", "longitude",
               "geo_precision", "source", "source_kind", "source_outlet", "source_url",
               "source_language", "quote", "notes", "status"]

# The OpenAPI document (app/openapi.py) shows each as its own type; `x-values-from` becomes an
# enum of the ids loaded. Values are checked by the handlers (app/params.py): 422 naming them.
DAY = {"format": "date", "x-values-from": "dates"}  # a day of the data's range (the one date rule)
DateQ = Annotated[str | None, Query(description="a day, YYYY-MM-DD", json_schema_extra=DAY)]
FromQ = Annotated[str | None, Query(alias="from", description="first day, YYYY-MM-DD", json_schema_extra=DAY)]
ToQ = Annotated[str | None, Query(alias="to", description="last day, YYYY-MM-DD", json_schema_extra=DAY)]
IncludeQ = Annotated[str | None, Query(description="`proposed` adds unreviewed events",
                                       json_schema_extra={"enum": ["proposed"]})]
PlaceQ = Annotated[list[str] | None, Query(description="place id; repeat for several",
                                           json_schema_extra={"x-values-from": "places"})]
SideQ = Annotated[list[str] | None, Query(description="side code (actor or new holder); repeat for several",
                                          json_schema_extra={"x-values-from": "sides"})]
TypeQ = Annotated[list[str] | None, Query(description="event type; repeat for several",
                                          json_schema_extra={"items": {"enum": list(EVENT_TYPES)}})]
ListQ = Annotated[list[str] | None, Query()]
NOT_FOUND = {404: {"model": NotFoundBody, "description": "no source with this id"}}


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON


@router.get("/healthz", tags=["meta"], response_model=Health)
async def healthz(request: Request) -> dict:
    """Liveness and data presence."""
    return {"status": "ok", "conflict": await _memoized(request, ("conflict_id",), _conflict_id)}


def _conflict_id(session) -> str | None:
    c = queries.conflict(session)
    return c.id if c else None


def _session(request: Request) -> Session:
    return Session(engine_for(request.app.state.settings.database_url))


async def _memoized(request: Request, key: tuple, build):
    """`daycache.memo` for an async handler: a value already computed at the current data version
    is answered on the event loop (one version read, no thread, no session); else it is built in
    the thread pool with its own session, under the version that session reads."""
    url = request.app.state.settings.database_url
    version = request_data_version(request.scope, url)
    value = daycache.memo_peek(str(engine_for(url).url), version, key)
    if value is daycache.MISSING:
        def compute():
            with _session(request) as session:
                return daycache.memo(session, key, lambda: build(session))
        value = await run_in_threadpool(compute)
    return value


@router.get("/api/control.geojson", tags=["control"], response_class=GeoJSONResponse,
            response_model=ControlCollection,
            responses={503: {"model": UnavailableBody, "description": "no data loaded yet"}})
async def control_geojson(request: Request, date: DateQ = None, include: IncludeQ = None):
    """Who controls each place on `date` (default: the latest date), with the sources that say so.

    Built once per data version and date, then served from a gzip file (app/daycache.py),
    with a weak `ETag` naming version, layer and date; `If-None-Match` with it gets a `304`.
    """
    day = parse_day("date", date, allow_empty=False)
    proposed = parse_include(include, allow_empty=False)
    settings = request.app.state.settings
    layer = "proposed" if proposed else "accepted"
    root = daycache.cache_root(settings.database_url, settings.cache_dir)
    # A day built already is answered on the event loop: the version (read once for the request,
    # app/httpcache.py), the range and the file are enough. Otherwise a thread builds it.
    version = request_data_version(request.scope, settings.database_url)
    bounds = daycache.memo_peek(str(engine_for(settings.database_url).url), version, ("bounds",))
    cached = None
    if bounds is not daycache.MISSING and bounds is not None:
        day = check_in_range("date", day, bounds) or bounds[1]
        cached = daycache.lookup(root, f"{version}-s{settings.stale_after_days}", layer, day)
    if cached is None:
        day, cached = await run_in_threadpool(_build_day, request, root, day, proposed, layer)
    headers = {"Link": f'</?date={day.isoformat()}{"&include=proposed" if proposed else ""}>; '
                       'rel="alternate"; type="text/html"',
               "ETag": cached.etag, "Cache-Control": daycache.CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if daycache.etag_matches(request.headers.get("if-none-match"), cached.etag):
        return Response(status_code=304, headers=headers)
    gzipped = daycache.accepts_gzip(request.headers.get("accept-encoding"))
    try:
        body = cached.gzip_bytes() if gzipped else await run_in_threadpool(cached.raw_bytes)  # inflating: a thread
    except FileNotFoundError:  # pruned since: a new version's first request (maybe in another worker)
        if request.scope.pop("tidemark.retried", False):
            raise
        request.scope.pop(SCOPE_KEY, None)  # read the version again, once
        request.scope["tidemark.retried"] = True
        return await control_geojson(request, date, include)
    if gzipped:
        return Response(body, media_type=GEOJSON, headers={**headers, "Content-Encoding": "gzip"})
    return Response(body, media_type=GEOJSON, headers=headers)


def _build_day(request: Request, root, day, proposed: bool, layer: str):
    """The day's body, built (or found) under the version its own session reads."""
    settings = request.app.state.settings
    with _session(request) as session:
        bounds = daycache.memo(session, ("bounds",), lambda: queries.date_bounds(session))  # no query per step
        if bounds is None:
            raise HTTPException(status_code=503, detail="no data loaded: run `tidemark load data/`")
        day = check_in_range("date", day, bounds) or bounds[1]
        def build():  # from the load's pre-serialized parts; else (not built yet) feature by feature
            return (dayparts.collection_bytes(session, day, include_proposed=proposed,
                                              stale_after_days=settings.stale_after_days)
                    or queries.control_collection(session, day, include_proposed=proposed,
                                                  stale_after_days=settings.stale_after_days))
        return day, daycache.get_or_build(  # the staleness threshold shapes the body: part of its version
            root, f"{daycache.data_version(session)}-s{settings.stale_after_days}", layer, day, build)


def _cached_json(request: Request, session, layer: str, name, build) -> Response:
    """A body built once per data version (app/daycache.py): gzip as is, ETag, 304. Kept in the
    same version folder as the day GeoJSONs (named with the staleness threshold too), so that
    neither prunes the other's."""
    settings = request.app.state.settings
    cached = daycache.get_or_build(daycache.cache_root(settings.database_url, settings.cache_dir),
                                   f"{daycache.data_version(session)}-s{settings.stale_after_days}", layer, name, build)
    headers = {"ETag": cached.etag, "Cache-Control": daycache.CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if daycache.etag_matches(request.headers.get("if-none-match"), cached.etag):
        return Response(status_code=304, headers=headers)
    if daycache.accepts_gzip(request.headers.get("accept-encoding")):
        return Response(cached.gzip_bytes(), media_type="application/json",
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(cached.raw_bytes(), media_type="application/json", headers=headers)


@router.get("/api/places.json", tags=["control"])
def places_json(request: Request, session: SessionDep) -> Response:
    """Every place's id, names and coordinates, as arrays (`fields` names the columns): load once."""
    return _cached_json(request, session, "places", "places", lambda: queries.compact_places(session))


@router.get("/api/periods.json", tags=["control"])
def periods_json(request: Request, session: SessionDep, include: IncludeQ = None) -> Response:
    """Every control period, compactly (days since `start`; indexes into `places`, `sides`,
    `statuses`), with a row per day of the reports behind each (`report_fields`: the side shown,
    sources, outlets, languages, unreviewed, as of that day): a client computes any day locally,
    with the meaning of /api/control.geojson."""
    proposed = parse_include(include, allow_empty=False)
    stale = request.app.state.settings.stale_after_days  # shapes the body: part of its version (_cached_json)
    return _cached_json(request, session, "proposed" if proposed else "accepted", "periods",
                        lambda: queries.compact_periods(session, include_proposed=proposed, stale_after_days=stale))


@router.get("/api/places/{place_id}.geojson", tags=["control"],
            responses={200: {"content": {GEOJSON: {}}}, 404: {"description": "unknown place"}})
def place_geojson(place_id: str, session: SessionDep, date: DateQ = None, include: IncludeQ = None):
    """One place on `date` (default: the latest date): its state and the sources that say so (for a popup)."""
    day = parse_day("date", date, allow_empty=False)
    proposed = parse_include(include, allow_empty=False)
    if len(place_id) > 200 or session.get(Place, place_id) is None:
        raise HTTPException(status_code=404, detail=f"no place with id {place_id[:80]!r}")
    bounds = queries.date_bounds(session)
    if bounds is None:
        raise HTTPException(status_code=503, detail="no data loaded: run `tidemark load data/`")
    day = check_in_range("date", day, bounds) or bounds[1]
    features = queries.control_collection(session, day, include_proposed=proposed, places=[place_id])["features"]
    if not features:
        raise HTTPException(status_code=404, detail=f"no known state of {place_id[:80]!r} on {day.isoformat()}")
    return JSONResponse(features[0], media_type=GEOJSON)


def _event_filters(session, date_from, date_to, place, side, type_) -> dict:
    bounds = queries.date_bounds(session)
    d_from = check_in_range("from", parse_day("from", date_from, allow_empty=False), bounds)
    d_to = check_in_range("to", parse_day("to", date_to, allow_empty=False), bounds)
    if d_from and d_to and d_from > d_to:
        raise invalid("from", "is after 'to'")
    # Only the values asked for are looked up (5,000 places are not read for every request).
    places = check_choices("place", place or [], set(session.exec(
        select(Place.id).where(Place.id.in_(list(place)))).scalars()) if place else set())
    side_codes = check_choices("side", side or [], set(session.exec(
        select(Side.code).where(Side.code.in_(list(side)))).scalars()) if side else set())
    types = check_choices("type", type_ or [], set(EVENT_TYPES))
    return dict(date_from=d_from, date_to=d_to, places=places, side_codes=side_codes, types=types)


PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
# date,event-id; documented with days 01-28 only, so a generated example is always a real date
NEXT_TOKEN = r"^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8]),[^\x00-\x20\x7f]+$"


def parse_next(value: str | None) -> tuple | None:
    """`_next` = `YYYY-MM-DD,event-id` of the last event of the previous page (keyset)."""
    if not value:
        return None
    day, sep, event_id = value.partition(",")
    if not sep or not event_id:
        raise invalid("_next", "must be the token given as 'next' by the previous page")
    return parse_day("_next", day), event_id


@router.get("/api/events.json", tags=["events"], response_model=EventList)
def events_json(session: SessionDep, request: Request, date_from: FromQ = None, date_to: ToQ = None,
                place: PlaceQ = None, side: SideQ = None, type: TypeQ = None,
                include: IncludeQ = None,
                size: Annotated[int | None, Query(alias="_size", ge=1, le=MAX_PAGE_SIZE,
                                                  description=f"events per page (default {PAGE_SIZE})")] = None,
                next_: Annotated[str | None, Query(alias="_next", description="the `next` token of the previous page",
                                                   json_schema_extra={"pattern": NEXT_TOKEN})] = None) -> JSONResponse:
    """Events, filtered by date range, place, side (actor or new holder) and type. Repeat a filter for OR.

    Paginated like Datasette: oldest first, `_size` per page; `next` is the token for the
    following page and `next_url` its address (null on the last page). `count` is the
    number of all matching events.
    """
    filters = _event_filters(session, date_from, date_to, place, side, type)
    page_size = size or PAGE_SIZE
    after = parse_next(next_)
    proposed = parse_include(include, allow_empty=False)
    rows = queries.events(session, include_proposed=proposed, after=after, limit=page_size + 1, **filters)
    token = next_url = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        token = f"{rows[-1]['date']},{rows[-1]['id']}"
        next_url = str(request.url.include_query_params(_next=token))
    count_key = ("count", proposed, tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()))
    body = {"count": daycache.memo(session, count_key,
                                   lambda: queries.count_events(session, include_proposed=proposed, **filters)),
            "size": page_size, "next": token, "next_url": next_url, "events": rows}
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    return JSONResponse(body, headers=headers)


def get_event(session, event_id: str) -> dict:
    ev = queries.event(session, event_id)
    if ev is None:
        raise HTTPException(status_code=404, detail=f"no event with id {event_id[:80]!r}")
    return ev


@router.get("/api/events/{event_id}", tags=["events"],
            responses={404: {"model": NotFoundBody, "description": "no event with this id"}})
def event_json(event_id: str, session: SessionDep) -> JSONResponse:
    """One event: place, date and its precision, type, sides, source and quote; its page is /events/{id}."""
    ev = get_event(session, event_id)
    return JSONResponse(ev, headers={"Link": f'<{ev["page"]}>; rel="alternate"; type="text/html"'})


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text  # keep spreadsheets from running untrusted text as a formula
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


CSV_BATCH = 5000


def _csv_rows(database_url: str, proposed: bool, filters: dict) -> Iterator[str]:
    """The CSV, a batch of rows at a time: one keyset page per batch, so memory stays constant.

    Its own session: the stream outlives the request's dependencies.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    after = None
    cell = _csv_cell
    with Session(engine_for(database_url)) as session:
        side_by = {s.code: s for s in queries.sides(session)}
        while True:
            rows = queries.export_rows(session, include_proposed=proposed, after=after, limit=CSV_BATCH,
                                       **filters)
            for e in rows:
                actor, control = side_by.get(e.actor), side_by.get(e.control)
                writer.writerow((
                    e.id, e.date.isoformat(), PRECISION_CODE.get(e.date_precision, 1), e.type,
                    cell(actor.name if actor else None), e.control or "",
                    control.coalition if control else (e.control or ""), cell(e.place_name), e.place_id,
                    e.lat, e.lon, GEO_PRECISION.get(e.kind, 1), cell(e.outlet), e.source_kind,
                    cell(e.outlet), cell(e.url or queries.source_url(e.article_id, e.id)), e.language,
                    cell(e.quote if e.source_kind != "report" else None), cell(e.summary), e.status))
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
            if len(rows) < CSV_BATCH:
                return
            after = (rows[-1].date, rows[-1].id)


@router.get("/api/events.csv", tags=["events"], response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def events_csv(session: SessionDep, request: Request, date_from: FromQ = None, date_to: ToQ = None,
               place: PlaceQ = None, side: SideQ = None, type: TypeQ = None,
               include: IncludeQ = None) -> Response:
    """All matching events as CSV, with ACLED's column names where one applies; streamed, not paginated."""
    filters = _event_filters(session, date_from, date_to, place, side, type)
    proposed = parse_include(include, allow_empty=False)
    return StreamingResponse(_csv_rows(request.app.state.settings.database_url, proposed, filters),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="events.csv"'})


@router.get("/api/timeline.json", tags=["events"], response_model=Timeline)
def timeline_json(session: SessionDep, include: IncludeQ = None) -> dict:
    """Each day of the range with its number of events and of control changes."""
    proposed = parse_include(include, allow_empty=False)
    return daycache.memo(session, ("timeline", proposed), lambda: queries.timeline(session, include_proposed=proposed))


@router.get("/api/sides.json", tags=["meta"], response_model=SideList)
def sides_json(session: SessionDep) -> dict:
    # In the fields' declared order: a row loaded by SQLAlchemy fills its attributes in an order
    # that follows string hashing, which differs between processes, and model_dump() follows it.
    return {"sides": [{name: getattr(s, name) for name in Side.model_fields} for s in queries.sides(session)]}


def get_article(session, article_id: str) -> Article:
    article = session.get(Article, article_id) if len(article_id) <= 200 else None
    if article is None:
        raise HTTPException(status_code=404, detail=f"no source with id {article_id[:80]!r}")
    return article


@router.get("/api/sources/{article_id}", tags=["sources"], response_model=SourceArticle,
            responses=NOT_FOUND)
def source_json(article_id: str, session: SessionDep) -> JSONResponse:
    """One source: an archived article (metadata, full text, the passages quoted from it) or a
    cited report (metadata, our summary, the events that cite it; no text)."""
    article = get_article(session, article_id)
    quotes = queries.article_quotes(session, article.id)
    body = {
        "id": article.id, "kind": article.kind, "title": article.title, "outlet": article.outlet,
        "language": article.language, "published": article.published.isoformat(),
        "published_precision": article.published_precision, "original_url": article.url or None,
        "url": queries.source_url(article.id), "notes": article.notes, "origin": article.origin,
    }
    if article.kind == "report":
        # A cited report: metadata and our own summary, never its text.
        body["summary"] = article.summary
        body["events"] = [{"event_id": e.id, "url": queries.source_url(article.id, e.id),
                           "date": e.date.isoformat(), "place": e.place_id, "type": e.type,
                           "control": e.control, "summary": e.summary, "status": e.status}
                          for e in quotes]
    else:
        body.update({
            "content_hash": article.content_hash, "text": article.text,
            "quotes": [{"event_id": e.id, "quote": e.quote, "start": e.quote_start, "end": e.quote_end,
                        "url": queries.source_url(article.id, e.id), "date": e.date.isoformat(),
                        "place": e.place_id, "type": e.type, "summary": e.summary, "status": e.status}
                       for e in quotes],
        })
    return JSONResponse(body, headers={"Link": f'</sources/{article.id}>; rel="alternate"; type="text/html"'})


_AREAS_CACHE: dict[tuple, dict] = {}


@router.get("/api/areas.geojson", tags=["control"],
            responses={200: {"content": {GEOJSON: {}}}, 422: {"description": "bad parameter"}})
def areas_geojson(session: SessionDep, date: DateQ = None, include: IncludeQ = None):
    """Approximate areas of control on `date`, derived from towns: Voronoi cells of the places, cut to
    the land of their countries and to 50 km around each place, dissolved by holder (`group`:
    reported, last_known, contested, unknown). Approximate by construction; the places are the record."""
    from . import areas
    from .cache import data_version

    day = parse_day("date", date, allow_empty=False)
    proposed = parse_include(include, allow_empty=False)
    bounds = queries.date_bounds(session)
    if bounds is None:
        raise HTTPException(status_code=503, detail="no data loaded: run `tidemark load data/`")
    day = check_in_range("date", day, bounds) or bounds[1]
    key = (data_version(session), day, proposed)
    body = _AREAS_CACHE.get(key)
    if body is None:
        collection = queries.control_collection(session, day, include_proposed=proposed)
        points = [tuple(f["geometry"]["coordinates"][:2]) for f in collection["features"]]
        body = areas.areas(collection, areas.installed_land(points) if points else None)
        if len(_AREAS_CACHE) > 64:
            _AREAS_CACHE.clear()
        _AREAS_CACHE[key] = body
    return JSONResponse(body, media_type=GEOJSON)
