"""The dashboard `/` and the embeddable map `/embed`.

One view renders the whole page, or, for an HTMX request, only the blocks a slider move
changes (jinja2-fragments). The map itself reads the page's JSON twin,
/api/control.geojson?date=…, named in the `Link: rel=alternate` header.
"""
from __future__ import annotations

import html
from collections import OrderedDict
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from . import basemap, daycache, queries, share
from .assets import asset_tags, static_url
from .assets import router as assets_router
from .datafiles import COLOUR, SLUG
from .db import SessionDep
from .models import Event, Place
from .params import check_choices, check_in_range, invalid, parse_day, parse_float, parse_include, parse_int
from .templating import templates

router = APIRouter(include_in_schema=False)
router.include_router(assets_router)
templates.env.globals["static_url"] = static_url

HTMX_CONFIG = ('{"historyCacheSize":0,"allowEval":false,"allowScriptTags":false,'
               '"includeIndicatorStyles":false,"defaultSettleDelay":0}')
EVENTS_PAGE = 100  # events on a full /events page; the next ones load on scroll
CANVAS_ABOVE = 1000  # places: above this the map draws markers on one canvas, not as SVG nodes
PANEL_EVENTS = 15  # events rendered with the page; the rest load when scrolled to (bounded page weight)
OSM_COPYRIGHT = "https://www.openstreetmap.org/copyright"
Param = Annotated[str | None, Query()]
IncludeParam = Annotated[str | None, Query(description="'proposed' adds unreviewed events")]


def words(day: date) -> str:
    """2024-12-07 -> 'Saturday 7 December 2024'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short(day: date) -> str:
    """2024-12-07 -> '7 Dec 2024'."""
    return f"{day.day} {day:%b %Y}"


def _is_htmx_fragment(request: Request) -> bool:
    """An HTMX request gets blocks; a history restore gets the full page."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def _view_state(session, date_: str | None, place: str | None, lat: str | None,
                lon: str | None, zoom: str | None, include: str | None = None) -> dict:
    """Validate the URL state; every bad value is a 422 naming its parameter."""
    proposed = parse_include(include)
    conflict = queries.conflict(session)
    bounds = queries.date_bounds(session)
    if conflict is None or bounds is None:
        return {}
    start, end = bounds
    day = check_in_range("date", parse_day("date", date_), bounds) or end
    if place:
        check_choices("place", [place], set(session.exec(select(Place.id)).scalars()))
    view = {"lat": parse_float("lat", lat, -90, 90), "lon": parse_float("lon", lon, -180, 180),
            "zoom": parse_int("zoom", zoom, 0, 19)}
    if (view["lat"] is None) != (view["lon"] is None):
        raise invalid("lon" if view["lon"] is None else "lat", "lat and lon go together")
    places = daycache.memo(session, ("place_count",), lambda: session.execute(
        select(func.count()).select_from(Place)).scalar_one())
    return {"conflict": conflict, "start": start, "end": end, "day": day,
            "place": place or None, "proposed": proposed, "places": places, **view}


def _count_proposed(session) -> int:
    """How many events wait for review (indexed on status): the toggle shows only when some do."""
    return session.execute(select(func.count()).select_from(Event).where(Event.status == "proposed")).scalar_one()


def _include(state: dict) -> dict:
    """Template values for `include=proposed`: `inc`, appended to our links, and the toggle."""
    proposed = state["proposed"]
    return {"proposed": proposed, "inc": "&include=proposed" if proposed else "",
            "toggle_url": "?" + _query({**state, "proposed": not proposed})}


def _query(state: dict) -> str:
    """The URL query for a view state: date, place, lat, lon, zoom, include (the ones set)."""
    params: dict = {"date": state["day"].isoformat()}
    if state.get("place"):
        params["place"] = state["place"]
    if state.get("lat") is not None:
        params.update(lat=f"{state['lat']:.4f}", lon=f"{state['lon']:.4f}")
    if state.get("zoom") is not None:
        params["zoom"] = state["zoom"]
    if state.get("proposed"):
        params["include"] = "proposed"
    return urlencode(params)


def _legend(collection: dict) -> list[dict]:
    rows = [dict(s) for s in collection["sides"] if s["count"]]
    st = collection.get("statuses") or {}
    if st.get("contested"):
        rows.append({"code": "contested", "short_name": "Contested", "colour": None, "count": st["contested"],
                     "name": "Contested: fighting inside; holder and challenger shown"})
    if st.get("withdrawn"):
        rows.append({"code": "withdrawn", "short_name": "No holder named", "colour": None, "count": st["withdrawn"],
                     "name": "Government withdrew; no new holder named"})
    return rows


def _description(conflict, day: date, legend: list[dict], n_changes: int) -> str:
    held = ", ".join(f"{row['short_name']} {row['count']}" for row in legend)
    change = f"{n_changes} control change{'s' if n_changes != 1 else ''} that day. " if n_changes else ""
    return (f"Who held which town in the {conflict.title} on {words(day)}: {held}. {change}"
            "Every marker links to the article and the sentence that says so.")


def _map_attrs(request: Request, conflict, state: dict) -> dict:
    settings = request.app.state.settings
    attribution_url = OSM_COPYRIGHT if "openstreetmap" in (settings.tile_url + settings.tile_attribution).lower() else ""
    return {
        "api": "/api/control.geojson", "date": state["day"].isoformat(),
        "lat": state["lat"] if state["lat"] is not None else conflict.map_lat,
        "lon": state["lon"] if state["lon"] is not None else conflict.map_lon,
        "zoom": state["zoom"] if state["zoom"] is not None else conflict.map_zoom,
        "tiles": "" if settings.tiles_off else settings.tile_url, "attribution": settings.tile_attribution,
        "basemap": "/basemap.geojson", "basemap_attribution": basemap.ATTRIBUTION,
        "attribution_url": attribution_url, "place": state["place"] or "",
        "native": conflict.native_language, "include": "proposed" if state["proposed"] else "",
        "canvas": state.get("places", 0) > CANVAS_ABOVE,
    }


def _timeline(session, state: dict) -> dict:
    tl = daycache.memo(session, ("timeline", state["proposed"]),
                       lambda: queries.timeline(session, include_proposed=state["proposed"]))
    days = [{**d, "day": date.fromisoformat(d["date"])} for d in tl["days"]]
    for d in days:
        d["words"] = words(d["day"])
    index = next((i for i, d in enumerate(days) if d["day"] == state["day"]), 0)
    iso = state["day"].isoformat()
    prev_change = next((d for d in reversed(tl["change_dates"]) if d < iso), None)
    next_change = next((d for d in tl["change_dates"] if d > iso), None)

    def url(day: str | None) -> str | None:
        return "/?" + _query({**state, "day": date.fromisoformat(day)}) if day else None

    return {"days": days, "index": index, "max_events": max([d["events"] for d in days] or [0]) or 1,
            "prev_url": url(prev_change), "next_url": url(next_change)}


def _changes(session, summary: dict, day: date) -> list[dict]:
    """Places whose control state began on `day`, with what they were the day before (same layer).

    Only those places are read (by the (layer, valid_from) index), not the whole day.
    """
    changed = [f["properties"] for f in queries.control_collection(
        session, day, include_proposed=summary["layer"] == "proposed", changed_only=True)["features"]]
    if not changed:
        return []
    ids = {props["id"] for props in changed}
    before = {p.place_id: p for p in queries.periods_on(session, day - timedelta(days=1), summary["layer"],
                                                         places=ids)}
    side_by = {s["code"]: s for s in summary["sides"]}
    out = []
    for props in changed:
        prev = before.get(props["id"])
        was = None
        if prev is not None:
            if prev.status == "contested":
                was = "contested"
            elif prev.side in side_by:
                was = side_by[prev.side]["short_name"]
            elif prev.status == "withdrawn":
                was = "without a named holder"
        sources = [s for s in props["sources"] if s.get("event_date") == day.isoformat()] or props["sources"]
        out.append({**props, "was": was, "day_sources": sources,
                    "holder_short": side_by[props["side"]]["short_name"] if props["side"] in side_by else props["side_name"],
                    "challenger_short": side_by[props["challenger"]]["short_name"] if props["challenger"] in side_by else None})
    return sorted(out, key=lambda p: -(p["population"] or 0))


def _event_groups(session, day: date, offset: int = 0, limit: int | None = None,
                  proposed: bool = False) -> dict:
    """Events up to `day`, newest first, grouped by day: the slice [offset, offset+limit).

    Only the slice is read; the per-day counts come from one GROUP BY.
    """
    per_day = {d: n for d, n in daycache.memo(
        session, ("event_counts", proposed),
        lambda: queries.event_counts(session, include_proposed=proposed)).items() if d <= day}
    total = sum(per_day.values())
    rows = queries.events(session, date_to=day, newest_first=True, include_proposed=proposed,
                          limit=limit, offset=offset)
    end = offset + len(rows)
    groups: OrderedDict[str, dict] = OrderedDict()
    for ev in rows:
        d = date.fromisoformat(ev["date"])
        g = groups.setdefault(ev["date"], {"date": ev["date"], "words": words(d),
                                          "count": per_day[d], "events": []})
        g["events"].append(ev)
    # The slice continues a day begun on the previous slice when events of its first day precede it.
    before_first_day = sum(n for d, n in per_day.items() if rows and d > date.fromisoformat(rows[0]["date"]))
    return {"groups": list(groups.values()), "total": total, "offset": offset,
            "next_offset": end if end < total else None,
            "continued": bool(rows) and offset > before_first_day}


def _no_data() -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Tidemark</title><p>No data loaded: run "
                        "<code>tidemark load data/</code>.</p>", status_code=503)


def _respond(request: Request, template: str, context: dict, blocks: list[str]) -> Response:
    headers = {
        "Vary": "HX-Request",
        "Link": f'</api/control.geojson?date={context["state"]["day"].isoformat()}{context["inc"]}>; '
                'rel="alternate"; type="application/geo+json"',
    }
    if _is_htmx_fragment(request):
        context["fragment"] = True  # out-of-band parts are marked only in a fragment
        response = templates.TemplateResponse(request, template, context, block_names=blocks)
    else:
        response = templates.TemplateResponse(request, template, context)
    response.headers.update(headers)
    return response


def _context(request: Request, session, state: dict) -> dict:
    conflict, day = state["conflict"], state["day"]
    every_day = daycache.memo(session, ("summaries", state["proposed"]),  # counts only, every day at once
                              lambda: queries.day_summaries(session, include_proposed=state["proposed"]))
    collection = every_day.get(day) or queries.day_summary(session, day, include_proposed=state["proposed"])
    legend = _legend(collection)
    settings = request.app.state.settings
    base = str(request.base_url).rstrip("/")
    query = _query(state)
    unreviewed = collection["unreviewed"]
    return {
        **_include(state), "unreviewed": unreviewed,
        "conflict": conflict, "state": state, "day": day, "iso": day.isoformat(),
        "words": words(day), "short": short(day), "legend": legend, "collection": collection,
        "assets": asset_tags(settings.assets), "htmx_config": HTMX_CONFIG,
        "map": _map_attrs(request, conflict, state),
        "page_title": f"{conflict.title} — who held what on {short(day)}"
                      + (" (with unreviewed events)" if state["proposed"] else ""),
        "page_url": f"{base}/?{query}",
        "preview_url": share.preview_url(base, state),
        "oembed_url": share.oembed_link(base, f"{base}/?{query}"),
        "iframe": f'<iframe src="{html.escape(f"{base}/embed?{query}")}" '
                  f'title="{html.escape(conflict.title)} map" width="100%" height="480" '
                  'style="border:0" loading="lazy"></iframe>',
    }


@router.get("/sides.css")
def sides_css(session: SessionDep) -> Response:
    """Each side's colour as classes: c-CODE sets --c (fill), x-CODE sets --x (challenger)."""
    rules = [f".c-{s.code}{{--c:{s.colour}}}.x-{s.code}{{--x:{s.colour}}}"
             for s in queries.sides(session) if SLUG.match(s.code) and COLOUR.match(s.colour)]
    return Response("\n".join(rules) + "\n", media_type="text/css",
                    headers={"Cache-Control": "public, max-age=60"})


@router.get("/basemap.geojson")
def basemap_geojson(request: Request, session: SessionDep) -> Response:
    """Land, coastlines and borders of the data's region, from the npm-installed Natural Earth data."""
    box = basemap.box_of_places(session)
    if box is None:
        return Response('{"detail":"no places loaded"}', status_code=404, media_type="application/json")
    body = basemap.basemap_bytes(box)
    if body is None:
        return Response('{"detail":"the offline basemap is not installed: run `npm ci`"}',
                        status_code=404, media_type="application/json")
    return Response(body, media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, date: Param = None, place: Param = None,
          lat: Param = None, lon: Param = None, zoom: Param = None, include: IncludeParam = None) -> Response:
    """The dashboard: timeline, map, what changed, every event up to the selected day."""
    state = _view_state(session, date, place, lat, lon, zoom, include)
    if not state:
        return _no_data()
    ctx = _context(request, session, state)
    day = state["day"]
    changes = daycache.memo(session, ("changes", state["proposed"], day),
                            lambda: _changes(session, ctx["collection"], day))
    ctx.update(_timeline(session, state))
    ctx.update(changes=changes, events=_event_groups(session, day, 0, PANEL_EVENTS, state["proposed"]),
               pending=state["proposed"] or _count_proposed(session),
               description=_description(state["conflict"], day, ctx["legend"], len(changes)))
    return _respond(request, "index.html", ctx, ["hx_title", "when", "panel"])


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, session: SessionDep, date: Param = None,
                offset: Annotated[str | None, Query(description="skip this many events")] = None,
                include: IncludeParam = None) -> Response:
    """Every event up to `date`, newest first; HTMX gets the list from `offset` on."""
    state = _view_state(session, date, None, None, None, None, include)
    if not state:
        return _no_data()
    start = parse_int("offset", offset, 0, 1_000_000) or 0
    fragment = _is_htmx_fragment(request)
    ctx = {"conflict": state["conflict"], "state": state, "iso": state["day"].isoformat(),
           "short": short(state["day"]), "words": words(state["day"]), **_include(state),
           "pending": not fragment and (state["proposed"] or _count_proposed(session)),
           "events": _event_groups(session, state["day"], start, PANEL_EVENTS if fragment else EVENTS_PAGE,
                                   state["proposed"]),
           "page_title": f"{state['conflict'].title} — events reported up to {short(state['day'])}"}
    response = (templates.TemplateResponse(request, "events.html", ctx, block_name="event_list") if fragment
                else templates.TemplateResponse(request, "events.html", ctx))
    response.headers["Vary"] = "HX-Request"
    response.headers["Link"] = f'</api/events.json?to={ctx["iso"]}{ctx["inc"]}>; rel="alternate"; type="application/json"'
    return response


@router.get("/embed", response_class=HTMLResponse)
def embed(request: Request, session: SessionDep, date: Param = None, place: Param = None,
          lat: Param = None, lon: Param = None, zoom: Param = None, include: IncludeParam = None,
          slider: Annotated[str | None, Query(description="0 hides the slider")] = None) -> Response:
    """The map alone, for an <iframe> on any site: compact slider, legend, attribution."""
    if slider not in (None, "", "0", "1"):
        raise invalid("slider", "must be 0 or 1")
    state = _view_state(session, date, place, lat, lon, zoom, include)
    if not state:
        return _no_data()
    ctx = _context(request, session, state)
    ctx.update(_timeline(session, state))
    if slider:
        ctx["toggle_url"] += f"&slider={slider}"
    ctx.update(show_slider=slider != "0", slider=slider or None,
               description=_description(state["conflict"], state["day"], ctx["legend"], 0))
    return _respond(request, "embed.html", ctx, ["hx_title", "embed_state"])


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(event_id: str, request: Request, session: SessionDep) -> Response:
    """One event: place, date and precision, type, sides, the source's quote or summary, and
    "on the map" to that day and place. Its JSON twin is /api/events/{id}."""
    from .api import get_event

    ev = get_event(session, event_id)
    conflict = queries.conflict(session)
    bounds = queries.date_bounds(session)
    day = date.fromisoformat(ev["date"])
    if bounds:  # an event dated before the range still opens the map, on its first day
        day = min(max(day, bounds[0]), bounds[1])
    proposed = ev["status"] == "proposed"
    map_url = "/?" + urlencode({"date": day.isoformat(), "place": ev["place"]["id"],
                                **({"include": "proposed"} if proposed else {})})
    title = f"{ev['place']['name']}: {ev['type']} on {short(date.fromisoformat(ev['date']))}"
    base = str(request.base_url).rstrip("/")
    response = templates.TemplateResponse(request, "event.html", {
        "conflict": conflict, "ev": ev, "words": words(date.fromisoformat(ev["date"])),
        "map_url": map_url, "list_url": f"/events?date={day.isoformat()}" + ("&include=proposed" if proposed else ""), "page_title": f"{title} — {conflict.title if conflict else 'Tidemark'}",
        "page_url": base + ev["page"], "proposed": proposed,
        "description": ev["summary"] or f"{ev['type']} at {ev['place']['name']}, reported by {ev['article']['outlet']}.",
        "native": conflict.native_language if conflict else ""})
    response.headers["Link"] = f'</api/events/{ev["page"].rsplit("/", 1)[1]}>; rel="alternate"; type="application/json"'
    return response
