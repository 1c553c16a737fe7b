"""The JSON (and CSV) API. OpenAPI at /docs."""
from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from . import queries
from .db import SessionDep
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
def healthz(session: SessionDep) -> dict:
    """Liveness and data presence."""
    c = queries.conflict(session)
    return {"status": "ok", "conflict": c.id if c else None}


@router.get("/api/control.geojson", tags=["control"], response_class=GeoJSONResponse,
            response_model=ControlCollection,
            responses={503: {"model": UnavailableBody, "description": "no data loaded yet"}})
def control_geojson(session: SessionDep, date: DateQ = None, include: IncludeQ = None):
    """Who controls each place on `date` (default: the latest date), with the sources that say so."""
    day = parse_day("date", date, allow_empty=False)
    proposed = parse_include(include, allow_empty=False)
    bounds = queries.date_bounds(session)
    if bounds is None:
        raise HTTPException(status_code=503, detail="no data loaded: run `tidemark load data/`")
    day = check_in_range("date", day, bounds) or bounds[1]
    body = queries.control_collection(session, day, include_proposed=proposed)
    return JSONResponse(body, media_type=GEOJSON,
                        headers={"Link": f'</?date={day.isoformat()}{"&include=proposed" if proposed else ""}>; '
                                         'rel="alternate"; type="text/html"'})


def _event_filters(session, date_from, date_to, place, side, type_) -> dict:
    bounds = queries.date_bounds(session)
    d_from = check_in_range("from", parse_day("from", date_from, allow_empty=False), bounds)
    d_to = check_in_range("to", parse_day("to", date_to, allow_empty=False), bounds)
    if d_from and d_to and d_from > d_to:
        raise invalid("from", "is after 'to'")
    places = check_choices("place", place or [], set(session.exec(select(Place.id)).scalars()))
    side_codes = check_choices("side", side or [], set(session.exec(select(Side.code)).scalars()))
    types = check_choices("type", type_ or [], set(EVENT_TYPES))
    return dict(date_from=d_from, date_to=d_to, places=places, side_codes=side_codes, types=types)


@router.get("/api/events.json", tags=["events"], response_model=EventList)
def events_json(session: SessionDep, request: Request, date_from: FromQ = None, date_to: ToQ = None,
                place: PlaceQ = None, side: SideQ = None, type: TypeQ = None,
                include: IncludeQ = None) -> dict:
    """Events, filtered by date range, place, side (actor or new holder) and type. Repeat a filter for OR."""
    filters = _event_filters(session, date_from, date_to, place, side, type)
    rows = queries.events(session, include_proposed=parse_include(include, allow_empty=False), **filters)
    return {"count": len(rows), "events": rows}


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


@router.get("/api/events.csv", tags=["events"], response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def events_csv(session: SessionDep, date_from: FromQ = None, date_to: ToQ = None,
               place: PlaceQ = None, side: SideQ = None, type: TypeQ = None,
               include: IncludeQ = None) -> Response:
    """The same events as CSV, with ACLED's column names where one applies."""
    filters = _event_filters(session, date_from, date_to, place, side, type)
    rows = queries.events(session, include_proposed=parse_include(include, allow_empty=False), **filters)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in rows:
        writer.writerow([_csv_cell(v) for v in (
            e["id"], e["date"], PRECISION_CODE.get(e["date_precision"], 1), e["type"],
            e["actor_name"], e["control"], e["control_coalition"], e["place"]["name"],
            e["place"]["id"], e["place"]["lat"], e["place"]["lon"],
            GEO_PRECISION.get(e["place"]["kind"], 1), e["article"]["outlet"], e["source_kind"],
            e["article"]["outlet"], e["article"]["original_url"] or e["url"], e["article"]["language"],
            e["quote"],
            e["summary"], e["status"])])
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="events.csv"'})


@router.get("/api/timeline.json", tags=["events"], response_model=Timeline)
def timeline_json(session: SessionDep, include: IncludeQ = None) -> dict:
    """Each day of the range with its number of events and of control changes."""
    return queries.timeline(session, include_proposed=parse_include(include, allow_empty=False))


@router.get("/api/sides.json", tags=["meta"], response_model=SideList)
def sides_json(session: SessionDep) -> dict:
    return {"sides": [s.model_dump() for s in queries.sides(session)]}


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
    from .share import data_version

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
