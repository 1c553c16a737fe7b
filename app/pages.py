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

from babel import Locale
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from . import basemap, daycache, i18n, queries, search, share
from .assets import asset_tags, static_url
from .assets import router as assets_router
from .datafiles import COLOUR, SLUG
from .db import SessionDep
from .models import EVENT_TYPES, Event, Place, Side
from .params import check_choices, check_in_range, invalid, parse_day, parse_float, parse_include, parse_int
from .i18n import gettext as _, ngettext
from .templating import templates

router = APIRouter(include_in_schema=False)
router.include_router(assets_router)
templates.env.globals["static_url"] = static_url
templates.env.filters["short_iso"] = lambda iso: short(date.fromisoformat(iso))
templates.env.filters["day_month"] = lambda iso: i18n.day_month(date.fromisoformat(iso))

HTMX_CONFIG = ('{"historyCacheSize":0,"allowEval":false,"allowScriptTags":false,'
               '"includeIndicatorStyles":false,"defaultSettleDelay":0}')
EVENTS_PAGE = 100  # events on a full /events page; the next ones load on scroll
CANVAS_ABOVE = 1000  # places: above this the map draws markers on one canvas, not as SVG nodes
PANEL_EVENTS = 4  # events rendered with the page; the rest load when scrolled to (bounded page weight)
OSM_COPYRIGHT = "https://www.openstreetmap.org/copyright"
Param = Annotated[str | None, Query()]
IncludeParam = Annotated[str | None, Query(description="'proposed' adds unreviewed events")]
SideParam = Annotated[str | None, Query(description="filter: a side code (holder or challenger; events by or for it)")]
TypeParam = Annotated[str | None, Query(description="filter: an event type")]
QParam = Annotated[str | None, Query(description="filter: a place name, in any of its names and scripts")]


def words(day: date) -> str:
    """2024-12-07 -> 'Saturday 7 December 2024' (in the interface language: app/i18n.py)."""
    return i18n.date_words(day)


def short(day: date) -> str:
    """2024-12-07 -> '7 Dec 2024' (in the interface language: app/i18n.py)."""
    return i18n.date_short(day)


def _is_htmx_fragment(request: Request) -> bool:
    """An HTMX request gets blocks; a history restore gets the full page."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def _view_state(session, date_: str | None, place: str | None, lat: str | None,
                lon: str | None, zoom: str | None, include: str | None = None,
                lang: str | None = None, side: str | None = None, type_: str | None = None,
                q: str | None = None) -> dict:
    """Validate the URL state; every bad value is a 422 naming its parameter.

    The filters: `side` (a side code), `type` (an event type), `q` (a place name, in any script)."""
    proposed = parse_include(include)
    if lang not in (None, "") and lang not in i18n.supported():
        raise invalid("lang", f"must be one of {', '.join(i18n.supported())}")
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
            "place": place or None, "proposed": proposed, "lang": lang or None, "places": places, **view, **_filter_state(session, side, type_, q)}


def _filter_state(session, side: str | None, type_: str | None, q: str | None) -> dict:
    """The filters of the URL: side, type, q (each None when not set); 422 naming a bad one."""
    if side:
        check_choices("side", [side], set(session.exec(select(Side.code)).scalars()))
    if type_:
        check_choices("type", [type_], set(EVENT_TYPES))
    q = " ".join((q or "").split())
    if len(q) > search.MAX_QUERY:
        raise invalid("q", f"at most {search.MAX_QUERY} characters")
    return {"side": side or None, "type": type_ or None, "q": q or None}


def _filters(session, state: dict, narrowed: tuple[bool, list[str]] | None = None) -> dict:
    """What the filters select on the day: `flt` (their query, appended to our links), `match` (the
    places whose markers stay bright, best search match first; None without filters) and
    `event_filters` (for queries.events; None when no place can match).

    `narrowed` (from queries.day_matches, see _legend_and_matches): (True, the places with a state
    on the day that the side filter keeps) or, without a side filter, (False, the places with no
    state on the day). The type and name filters narrow further from what is kept once per data
    version: each place's first event of the type, the places each search finds."""
    keys = [("side", state.get("side")), ("type", state.get("type")), ("q", state.get("q"))]
    out = {"flt": "".join("&" + urlencode({k: v}) for k, v in keys if v), "match": None,
           "event_filters": {"side_codes": [state["side"]] if state.get("side") else [],
                             "types": [state["type"]] if state.get("type") else []},
           "filtering": any(v for _, v in keys)}
    found = None
    if state.get("q"):
        found = daycache.memo(session, ("search", state["q"]), lambda: search.search_index(_search_index(session), state["q"]))
        out["event_filters"] = {**out["event_filters"], "places": found} if found else None
    if narrowed is not None and out["filtering"]:
        only, ids = narrowed
        ids = set(ids)
        if found is not None:
            candidates = found  # best match first
        elif only:
            candidates = sorted(ids)
        else:
            candidates = [row[0] for row in _search_index(session)] if not state.get("type") else None
        first = None
        if state.get("type"):
            first = daycache.memo(session, ("first_event", state["type"], state["proposed"]), lambda: queries.first_event_dates(
                session, types=[state["type"]], include_proposed=state["proposed"]))
            if candidates is None:
                candidates = sorted(p for p, d in first.items() if d <= state["day"])
        out["match"] = [p for p in candidates if (p in ids) == only
                        and (first is None or (p in first and first[p] <= state["day"]))]
    return out


def _search_index(session) -> list:
    """Every place's folded names, once per data version (search.search_index reads them), in id order."""
    return daycache.memo(session, ("search_index",), lambda: sorted(search.index(session.execute(
        select(Place.id, Place.name, Place.names, Place.aliases, Place.population))), key=lambda row: row[0]))


def _legend_and_matches(session, state: dict, stale: int) -> tuple[dict, tuple[bool, list[str]] | None]:
    """The day's legend (kept once per day and data version) and, when a filter is set, what
    _filters takes as `narrowed`: (True, the places with a state on the day that the side filter
    keeps), or without a side filter (False, the places with no state on the day). One statement
    computes the day's states for both (queries.day_matches), so a filtered panel costs what an
    unfiltered one does."""
    day, proposed = state["day"], state["proposed"]
    key = ("legend", proposed, day, stale)
    if not any(state.get(k) for k in ("side", "type", "q")):
        return daycache.memo(session, key, lambda: queries.day_legend(
            session, day, include_proposed=proposed, stale_after_days=stale)), None
    kept = daycache.memo_peek(str(session.get_bind().url), daycache.data_version(session), key)
    legend, ids = queries.day_matches(session, day, include_proposed=proposed, stale_after_days=stale,
                                      side=state.get("side"), legend=kept is daycache.MISSING)
    narrowed = (bool(state.get("side")), ids)
    if legend is None:
        return kept, narrowed
    return daycache.memo(session, key, lambda: legend), narrowed


def _count_proposed(session) -> int:
    """How many events wait for review (indexed on status): the toggle shows only when some do."""
    return session.execute(select(func.count()).select_from(Event).where(Event.status == "proposed")).scalar_one()


def _include(state: dict) -> dict:
    """Template values for `include=proposed`: `inc`, appended to our links, and the toggle."""
    proposed = state["proposed"]
    # `inc` is the tail every link of the page carries: include=proposed and the language.
    lang = f"&lang={state['lang']}" if state.get("lang") else ""
    return {"proposed": proposed, "inc": ("&include=proposed" if proposed else "") + lang,
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
    if state.get("lang"):
        params["lang"] = state["lang"]
    for key in ("side", "type", "q"):
        if state.get(key):
            params[key] = state[key]
    return urlencode(params)


def _languages(state: dict) -> list[dict]:
    """Links to the same view in the other languages of the interface, each named in itself."""
    return [{"code": code, "name": Locale.parse(code).display_name[:1].upper() + Locale.parse(code).display_name[1:],
             "url": "?" + _query({**state, "lang": code})}
            for code in i18n.supported() if code != i18n.current()]


def _legend(summary: dict) -> list[dict]:
    """Per side: places reported held (`count`) and places only last known held (`last_known`),
    from `queries.day_legend` (the counts of the day's GeoJSON, by one grouped query)."""
    rows = [dict(s) for s in summary["sides"] if s["count"] or s["last_known"]]
    st = summary.get("statuses") or {}
    if st.get("contested") or st.get("contested_last_known"):
        rows.append({"code": "contested", "short_name": _("Contested"), "colour": None, "count": st["contested"],
                     "last_known": st.get("contested_last_known", 0),
                     "name": _("Contested: fighting inside; holder and challenger shown")})
    if st.get("withdrawn") or st.get("withdrawn_last_known"):
        rows.append({"code": "withdrawn", "short_name": _("No holder named"), "colour": None, "count": st["withdrawn"],
                     "last_known": st.get("withdrawn_last_known", 0),
                     "name": _("Government withdrew; no new holder named")})
    return rows


def claims_text(conflict: dict, side_by: dict) -> str:
    """A disagreement in words, in the interface language: "2 reports say held by HTS-led MOC, 1 says
    contested" (from its `claims`; the API's `text` is the English one)."""
    parts = []
    for i, c in enumerate(conflict["claims"]):
        if c["status"] == "held":
            claim = _("held by %(side)s") % {"side": " / ".join(
                i18n.side_name(side_by[code], short=True) if code in side_by else code for code in c["sides"])}
        else:
            claim = _("contested")
        n = c["sources"]
        form = (ngettext("%(num)s report says %(claim)s", "%(num)s reports say %(claim)s", n) if i == 0
                else ngettext("%(num)s says %(claim)s", "%(num)s say %(claim)s", n))
        parts.append(form % {"num": i18n.number(n), "claim": claim})
    return _(", ").join(parts)


def _description(conflict, day: date, legend: list[dict], n_changes: int) -> str:
    held = _(", ").join(f"{i18n.side_name(row, short=True)} {i18n.number(row['count'])}"
                        for row in legend if row["count"]) or _("none reported")
    last_known = sum(row.get("last_known", 0) for row in legend)
    if last_known:
        held += _("; ") + ngettext("%(num)s more place last known", "%(num)s more places last known",
                                   last_known) % {"num": i18n.number(last_known)}
    change = (ngettext("%(n)s control change that day.", "%(n)s control changes that day.", n_changes)
              % {"n": i18n.number(n_changes)} + " ") if n_changes else ""
    return (_("Who held which town in the %(title)s on %(day)s: %(held)s.") % {
                "title": i18n.conflict_text(conflict), "day": words(day), "held": held} + " " + change
            + _("Every marker links to the article and the sentence that says so."))


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
        # the browser's strings, only for a language other than English (app/i18n.py): a script's URL
        "i18n": i18n.js_catalogue_url(i18n.current()),
        "locale": f"{i18n.current()}-u-nu-{i18n.numbering()}" if i18n.current() != i18n.DEFAULT else "",
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
                was = _("contested")
            elif prev.side in side_by:
                was = i18n.side_name(side_by[prev.side], short=True)
            elif prev.status == "withdrawn":
                was = _("without a named holder")
        sources = [s for s in props["sources"] if s.get("event_date") == day.isoformat()] or props["sources"]
        out.append({**props, "was": was, "day_sources": sources,
                    "holder_short": i18n.side_name(side_by[props["side"]], short=True) if props["side"] in side_by
                    else _(props["side_name"]),
                    "challenger_short": i18n.side_name(side_by[props["challenger"]], short=True)
                    if props["challenger"] in side_by else None})
    return sorted(out, key=lambda p: -(p["population"] or 0))


def _disputed(session, day: date, proposed: bool, stale: int) -> list[dict]:
    """The places whose reports disagree in the last `stale` days (older disagreements: in the
    popup and the API), most populous first. Only the places where two sources made a claim on
    one day in that window are built (`queries.disagreement_candidates`), not the whole day."""
    since = day - timedelta(days=stale)
    candidates = queries.disagreement_candidates(session, since, day, include_proposed=proposed)
    if not candidates:
        return []
    features = queries.control_collection(session, day, include_proposed=proposed, stale_after_days=stale,
                                          places=candidates)["features"]
    recent = since.isoformat()
    disputed = sorted(({**f["properties"], "conflicts": [c for c in f["properties"]["conflicts"] if c["date"] >= recent]}
                       for f in features), key=lambda p: -(p["population"] or 0))
    return [p for p in disputed if p["conflicts"]]


def _event_groups(session, day: date, offset: int = 0, limit: int | None = None,
                  proposed: bool = False, filters: dict | None | bool = True) -> dict:
    """Events up to `day`, newest first, grouped by day: the slice [offset, offset+limit).

    Only the slice is read; the per-day counts come from one GROUP BY. `filters` (places,
    side_codes, types) narrow both; None means none can match (a search found no place).
    """
    if filters is None:
        return {"groups": [], "total": 0, "offset": offset, "next_offset": None, "continued": False}
    filters = filters if isinstance(filters, dict) else {}
    # every day's count once per data version and filter (places: those a search found)
    key = tuple((k, tuple(v)) for k, v in sorted(filters.items()) if v)
    per_day = {d: n for d, n in daycache.memo(
        session, ("event_counts", proposed, *key),
        lambda: queries.event_counts(session, include_proposed=proposed, **filters)).items() if d <= day}
    total = sum(per_day.values())
    rows = queries.events(session, date_to=day, newest_first=True, include_proposed=proposed,
                          limit=limit, offset=offset, **filters)
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
    return HTMLResponse(f'<!doctype html><html lang="{i18n.current()}" dir="{i18n.direction()}"><title>Tidemark</title><p>'
                        + _("No data loaded: run %(command)s.") % {"command": "<code>tidemark load data/</code>"}
                        + "</p>", status_code=503)


def _respond(request: Request, template: str, context: dict, blocks: list[str]) -> Response:
    headers = {
        "Vary": "HX-Request, Accept-Language",
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
    """What `/` and `/embed` share. The legend (and the count of places resting on an unreviewed
    event) comes from one grouped query, once per day and data version; the day's GeoJSON is
    never built here (at 5,000 places it takes a second)."""
    conflict, day = state["conflict"], state["day"]
    settings = request.app.state.settings
    stale, proposed = settings.stale_after_days, state["proposed"]
    summary, narrowed = _legend_and_matches(session, state, stale)
    legend = _legend(summary)
    base = str(request.base_url).rstrip("/")
    query = _query(state)
    return {
        **_include(state), "unreviewed": summary["unreviewed"], **_filters(session, state, narrowed),
        "sides": queries.sides(session), "event_types": EVENT_TYPES,
        "conflict": conflict, "state": state, "day": day, "iso": day.isoformat(),
        "words": words(day), "short": short(day), "legend": legend, "summary": summary,
        "assets": asset_tags(settings.assets), "htmx_config": HTMX_CONFIG,
        "map": _map_attrs(request, conflict, state),
        "page_title": _("%(title)s — who held what on %(day)s") % {"title": i18n.conflict_text(conflict), "day": short(day)}
                      + (" " + _("(with unreviewed events)") if state["proposed"] else ""),
        "page_url": f"{base}/?{query}",
        "preview_url": share.preview_url(base, state),
        "langs": _languages(state),
        "oembed_url": share.oembed_link(base, f"{base}/?{query}"),
        "iframe": f'<iframe src="{html.escape(f"{base}/embed?{query}")}" '
                  f'title="{html.escape(_("%(title)s map") % {"title": i18n.conflict_text(conflict)})}" width="100%" height="480" '
                  'style="border:0" loading="lazy"></iframe>',
    }


@router.get("/sides.css")
def sides_css(session: SessionDep) -> Response:
    """Each side's colour as classes: c-CODE sets --c (fill), x-CODE sets --x (challenger)."""
    rules = [f".c-{s.code}{{--c:{s.colour}}}.x-{s.code}{{--x:{s.colour}}}"
             for s in queries.sides(session) if SLUG.match(s.code) and COLOUR.match(s.colour)]
    return Response("\n".join(rules) + "\n", media_type="text/css",
                    headers={"Cache-Control": "public, max-age=60"})


@router.get("/strings/{lang}.js")
def strings_js(lang: str, v: str | None = None) -> Response:
    """A language's strings for static/tidemark.js and compare.js (JSON, plural forms keyed by CLDR
    category), as a script that pages in that language load before static/i18n.js. English has none."""
    if lang == i18n.DEFAULT or lang not in i18n.supported():
        return Response('{"detail":"no such catalogue"}', status_code=404, media_type="application/json")
    current = i18n.js_catalogue_url(lang).rsplit("=", 1)[1]
    return Response(f"window.tidemarkStrings={i18n.js_catalogue(lang)};\n", media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=31536000, immutable" if v == current
                             else "public, max-age=60"})


@router.get("/i18n.css")
def i18n_css(request: Request) -> Response:
    """The stylesheet's own words in a language other than English (linked only by those pages):
    the mark after a cited report's link, which tidemark.css writes in English."""
    i18n.use(request)
    label = " · " + _(i18n.N_("cited report"))
    quoted = '"' + "".join(c if c.isalnum() or c in " ·-—" else f"\\{ord(c):x} " for c in label) + '"'
    return Response(f".rep::after{{content:{quoted}}}\n", media_type="text/css",
                    headers={"Cache-Control": "public, max-age=3600", "Vary": "Accept-Language"})


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
          lat: Param = None, lon: Param = None, zoom: Param = None, include: IncludeParam = None,
          side: SideParam = None, type: TypeParam = None, q: QParam = None) -> Response:
    """The dashboard: timeline, map, what changed, every event up to the selected day."""
    state = _view_state(session, date, place, lat, lon, zoom, include, i18n.use(request)[1], side, type, q)
    if not state:
        return _no_data()
    ctx = _context(request, session, state)
    day = state["day"]
    changes = daycache.memo(session, ("changes", state["proposed"], day, i18n.current()),
                            lambda: _changes(session, ctx["summary"], day))
    ctx.update(_timeline(session, state))
    disputed = daycache.memo(session, ("disputed", state["proposed"], day, ctx["summary"]["stale_after_days"]),
                             lambda: _disputed(session, day, state["proposed"], ctx["summary"]["stale_after_days"]))
    side_by = {s["code"]: s for s in ctx["summary"]["sides"]}
    disputed = [{**p, "conflicts": [{**c, "words": claims_text(c, side_by)} for c in p["conflicts"]]}
                for p in disputed]  # in the page's language; the kept list is not changed
    matched = set(ctx["match"] or ())
    shown = changes if ctx["match"] is None else [c for c in changes if c["id"] in matched]
    ctx.update(changes=shown, disputed=disputed, events=_event_groups(session, day, 0, PANEL_EVENTS, state["proposed"],
                                                                    ctx["event_filters"]),
               pending=state["proposed"] or _count_proposed(session),
               description=_description(state["conflict"], day, ctx["legend"], len(changes)))
    return _respond(request, "index.html", ctx, ["hx_title", "when", "panel"])


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, session: SessionDep, date: Param = None,
                offset: Annotated[str | None, Query(description="skip this many events")] = None,
                include: IncludeParam = None, side: SideParam = None, type: TypeParam = None,
                q: QParam = None) -> Response:
    """Every event up to `date`, newest first; HTMX gets the list from `offset` on."""
    state = _view_state(session, date, None, None, None, None, include, i18n.use(request)[1], side, type, q)
    if not state:
        return _no_data()
    start = parse_int("offset", offset, 0, 1_000_000) or 0
    fragment = _is_htmx_fragment(request)
    ctx = {"conflict": state["conflict"], "state": state, "iso": state["day"].isoformat(),
           "short": short(state["day"]), "words": words(state["day"]), **_include(state),
           "pending": not fragment and (state["proposed"] or _count_proposed(session)),
           **(flt := _filters(session, state)),
           "events": _event_groups(session, state["day"], start, PANEL_EVENTS if fragment else EVENTS_PAGE,
                                   state["proposed"], flt["event_filters"]),
           "page_title": _("%(title)s — events reported up to %(day)s") % {"title": i18n.conflict_text(state["conflict"]),
                                                                             "day": short(state["day"])}}
    response = (templates.TemplateResponse(request, "events.html", ctx, block_name="event_list") if fragment
                else templates.TemplateResponse(request, "events.html", ctx))
    response.headers["Vary"] = "HX-Request, Accept-Language"
    response.headers["Link"] = f'</api/events.json?to={ctx["iso"]}{ctx["inc"]}>; rel="alternate"; type="application/json"'
    return response


@router.get("/embed", response_class=HTMLResponse)
def embed(request: Request, session: SessionDep, date: Param = None, place: Param = None,
          lat: Param = None, lon: Param = None, zoom: Param = None, include: IncludeParam = None,
          slider: Annotated[str | None, Query(description="0 hides the slider")] = None,
          side: SideParam = None, type: TypeParam = None, q: QParam = None) -> Response:
    """The map alone, for an <iframe> on any site: compact slider, legend, attribution."""
    if slider not in (None, "", "0", "1"):
        raise invalid("slider", "must be 0 or 1")
    state = _view_state(session, date, place, lat, lon, zoom, include, i18n.use(request)[1], side, type, q)
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

    lang = i18n.use(request)[1]
    ev = get_event(session, event_id)
    conflict = queries.conflict(session)
    bounds = queries.date_bounds(session)
    day = date.fromisoformat(ev["date"])
    if bounds:  # an event dated before the range still opens the map, on its first day
        day = min(max(day, bounds[0]), bounds[1])
    proposed = ev["status"] == "proposed"
    map_url = "/?" + urlencode({"date": day.isoformat(), "place": ev["place"]["id"],
                                **({"include": "proposed"} if proposed else {}), **({"lang": lang} if lang else {})})
    side_by = {s.code: s for s in queries.sides(session)}
    ev = {**ev, "actor_name": i18n.side_name(side_by.get(ev["actor"])) or ev["actor_name"],
          "control_name": i18n.side_name(side_by.get(ev["control"])) or ev["control_name"]}
    title = _("%(place)s: %(type)s on %(day)s") % {"place": i18n.place_name(ev["place"]), "type": _(ev["type"]),
                                                   "day": short(date.fromisoformat(ev["date"]))}
    base = str(request.base_url).rstrip("/")
    response = templates.TemplateResponse(request, "event.html", {
        "conflict": conflict, "ev": ev, "words": words(date.fromisoformat(ev["date"])),
        "map_url": map_url, "list_url": f"/events?date={day.isoformat()}" + ("&include=proposed" if proposed else "") + (f"&lang={lang}" if lang else ""), "lq": f"?lang={lang}" if lang else "", "page_title": f"{title} — {i18n.conflict_text(conflict)}",
        "page_url": base + ev["page"], "proposed": proposed,
        "description": ev["summary"] or _("%(type)s at %(place)s, reported by %(outlet)s.") % {
            "type": _(ev["type"]), "place": i18n.place_name(ev["place"]), "outlet": ev["article"]["outlet"]},
        "native": conflict.native_language if conflict else ""})
    response.headers["Link"] = f'</api/events/{ev["page"].rsplit("/", 1)[1]}>; rel="alternate"; type="application/json"'
    response.headers["Vary"] = "Accept-Language"
    return response
