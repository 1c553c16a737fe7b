"""Compare two dates: every place whose holder changed between them, with the events in between.

`changes(before, after)` is pure; `/compare?from=&to=` (HTML, with a map) and its JSON twin
`/api/compare.json?from=&to=` serve it.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from . import i18n, queries
from .api import FromQ, IncludeQ, ToQ
from .assets import asset_tags
from .db import SessionDep
from .params import check_in_range, invalid, parse_day, parse_include
from .templating import templates

router = APIRouter()


def holder_key(state: dict | None) -> tuple:
    """What "who holds it" means for a comparison: the side, or contested / withdrawn.
    A place known from the baseline and the same side reported holding it are the same holder."""
    if state is None:
        return ("unknown",)
    if state["status"] == "withdrawn":
        return ("withdrawn", state.get("previous_side"))
    if state["status"] == "contested":
        return ("contested", state.get("side"), state.get("challenger"))
    return ("held", state.get("side"))


def changes(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """Ids of the places whose holder differs between two states (place id -> state), sorted."""
    return sorted(p for p in set(before) | set(after) if holder_key(before.get(p)) != holder_key(after.get(p)))


def _states(collection: dict) -> dict[str, dict]:
    return {f["properties"]["id"]: f["properties"] for f in collection["features"]}


def _brief(props: dict | None) -> dict | None:
    if props is None:
        return None
    return {k: props.get(k) for k in ("side", "side_name", "colour", "coalition", "status", "challenger",
                                      "challenger_name", "challenger_colour", "previous_side", "since")}


def comparison(session, d_from: date, d_to: date, proposed: bool) -> dict:
    before = _states(queries.control_collection(session, d_from, include_proposed=proposed))
    after_collection = queries.control_collection(session, d_to, include_proposed=proposed)
    after = _states(after_collection)
    ids = changes(before, after)
    events = queries.events(session, date_to=d_to, places=ids, include_proposed=proposed) if ids else []
    by_place: dict[str, list] = {}
    for e in events:
        if e["date"] > d_from.isoformat():
            by_place.setdefault(e["place"]["id"], []).append(e)
    rows = []
    for pid in ids:
        place = after.get(pid) or before.get(pid)
        feature = next((f for f in after_collection["features"] if f["properties"]["id"] == pid), None)
        rows.append({
            "place": {"id": pid, "name": place["name"], "names": place.get("names") or {}, "native_name": place.get("native_name", ""),
                      "lat": feature["geometry"]["coordinates"][1] if feature else None,
                      "lon": feature["geometry"]["coordinates"][0] if feature else None},
            "from": _brief(before.get(pid)), "to": _brief(after.get(pid)),
            "events": by_place.get(pid, []),
        })
    return {"from": d_from.isoformat(), "to": d_to.isoformat(), "layer": after_collection["layer"],
            "sides": after_collection["sides"], "count": len(rows), "changes": rows}


def _dates(session, date_from: str | None, date_to: str | None, api: bool) -> tuple[date, date]:
    """The two dates, each inside the data's range (the one date rule), `from` not after `to`.
    The API refuses empty values, as the rest of the API does; the page takes them as absent."""
    bounds = queries.date_bounds(session)
    if bounds is None:
        raise HTTPException(status_code=503, detail="no data loaded: run `tidemark load data/`")
    allow_empty = not api
    d_from = check_in_range("from", parse_day("from", date_from, allow_empty=allow_empty), bounds) or bounds[0]
    d_to = check_in_range("to", parse_day("to", date_to, allow_empty=allow_empty), bounds) or bounds[1]
    if d_from > d_to:
        raise invalid("from", "is after 'to'")
    return d_from, d_to


def _query(d_from: date, d_to: date, proposed: bool) -> str:
    return f"from={d_from.isoformat()}&to={d_to.isoformat()}" + ("&include=proposed" if proposed else "")


@router.get("/api/compare.json", tags=["control"])
def compare_json(session: SessionDep, date_from: FromQ = None, date_to: ToQ = None,
                 include: IncludeQ = None) -> JSONResponse:
    """Every place whose holder changed between `from` (default: the start) and `to` (default: the
    latest date): the holder on each date, and the events in between with their sources."""
    d_from, d_to = _dates(session, date_from, date_to, api=True)
    proposed = parse_include(include, allow_empty=False)
    body = comparison(session, d_from, d_to, proposed)
    return JSONResponse(body, headers={"Link": f'</compare?{_query(d_from, d_to, proposed)}>; rel="alternate"; type="text/html"'})


@router.get("/compare", include_in_schema=False)
def compare_page(request: Request, session: SessionDep,
                 date_from: Annotated[str | None, Query(alias="from")] = None,
                 date_to: Annotated[str | None, Query(alias="to")] = None,
                 include: Annotated[str | None, Query()] = None) -> Response:
    """The comparison as a shareable page with a map."""
    from .pages import short, words

    lang = i18n.use(request)[1]
    d_from, d_to = _dates(session, date_from, date_to, api=False)
    proposed = parse_include(include)
    conflict = queries.conflict(session)
    body = comparison(session, d_from, d_to, proposed)
    side_by = {s["code"]: s for s in body["sides"]}
    for c in body["changes"]:  # the sides' names in the interface language (sides.csv `names`), else English
        for state in (c["from"], c["to"]):
            if state:
                state["side_name"] = (i18n.side_name(side_by[state["side"]]) if state["side"] in side_by
                                      else i18n.gettext(state["side_name"]) if state["side_name"] else state["side_name"])
                if state["challenger"] in side_by:
                    state["challenger_name"] = i18n.side_name(side_by[state["challenger"]])
    query = _query(d_from, d_to, proposed)
    base = str(request.base_url).rstrip("/")
    ctx = {"conflict": conflict, "cmp": body, "from_words": words(d_from), "to_words": words(d_to),
           "from_iso": d_from.isoformat(), "to_iso": d_to.isoformat(), "query": query,
           "inc": ("&include=proposed" if proposed else "") + (f"&lang={lang}" if lang else ""), "lang": lang, "i18n": i18n.js_catalogue_url(i18n.current()),
           "locale": f"{i18n.current()}-u-nu-{i18n.numbering()}", "start": queries.date_bounds(session)[0].isoformat(),
           "end": queries.date_bounds(session)[1].isoformat(),
           "page_title": i18n.gettext("%(title)s — what changed from %(start)s to %(end)s") % {
               "title": i18n.conflict_text(conflict), "start": short(d_from), "end": short(d_to)},
           "page_url": f"{base}/compare?{query}" + (f"&lang={lang}" if lang else ""), "settings": request.app.state.settings,
           "assets": asset_tags(request.app.state.settings.assets)}
    response = templates.TemplateResponse(request, "compare.html", ctx)
    response.headers["Link"] = f'</api/compare.json?{query}>; rel="alternate"; type="application/json"'
    response.headers["Vary"] = "Accept-Language"
    return response
