"""The "Table" view: every place on a day with its holder, status, since, last report and sources.

The accessible twin of the map: plain HTML, sortable by any column through links (no JavaScript),
readable by screen readers, and the same state as `/` (date, include). Its JSON twin is
/api/control.geojson.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from . import i18n, queries
from .db import SessionDep
from .params import invalid
from .templating import templates

router = APIRouter(include_in_schema=False)
COLUMNS = ("place", "holder", "status", "since", "last_report", "sources")
Param = Annotated[str | None, Query()]


def last_report(props: dict) -> str | None:
    """The newest dated report behind the state on the day (the baseline date for a baseline)."""
    if props.get("last_report"):
        return props["last_report"]
    dates = [s.get("event_date") for s in props.get("sources", []) if s.get("event_date")]
    return max(dates) if dates else None


def rows(collection: dict) -> list[dict]:
    out = []
    for f in collection["features"]:
        p = f["properties"]
        out.append({"id": p["id"], "place": p["name"], "name": p["name"], "names": p.get("names") or {},
                    "native_name": p.get("native_name", ""),
                    "holder": p.get("side_name") or "", "side": p.get("side"), "status": p["status"],
                    "freshness": p.get("freshness"), "challenger": p.get("challenger_name"),
                    "challenger_code": p.get("challenger"),
                    "since": p.get("since"), "last_report": last_report(p),
                    "sources": p.get("sources", []), "corroboration": p.get("corroboration", 0)})
    return out


def sort_rows(items: list[dict], column: str, descending: bool) -> list[dict]:
    """Sorted by `column` (then by place name); empty values last in either order."""
    def value(r):
        return len(r["sources"]) if column == "sources" else r.get(column)
    present = [r for r in items if value(r) not in (None, "")]
    missing = [r for r in items if value(r) in (None, "")]
    present.sort(key=lambda r: r["place"])
    present.sort(key=lambda r: (value(r).casefold() if isinstance(value(r), str) else value(r)),
                 reverse=descending)
    return present + sorted(missing, key=lambda r: r["place"])


def parse_sort(sort: str | None, order: str | None) -> tuple[str, bool]:
    column = sort or "place"
    if column not in COLUMNS:
        raise invalid("sort", f"must be one of {', '.join(COLUMNS)}")
    if order not in (None, "", "asc", "desc"):
        raise invalid("order", "must be asc or desc")
    return column, order == "desc"


@router.get("/table")
def table_page(request: Request, session: SessionDep, date: Param = None, include: Param = None,
               sort: Param = None, order: Param = None) -> Response:
    """Every place on `date` as a sortable table."""
    from .pages import _include, _no_data, _view_state, short, words

    state = _view_state(session, date, None, None, None, None, include, i18n.use(request)[1])
    if not state:
        return _no_data()
    column, descending = parse_sort(sort, order)
    collection = queries.control_collection(session, state["day"], include_proposed=state["proposed"])
    side_by = {x["code"]: x for x in collection["sides"]}
    listed = rows(collection)
    for r in listed:  # the sides' names in the interface language (sides.csv `names`), else English
        if r["side"] in side_by:
            r["holder"] = i18n.side_name(side_by[r["side"]])
        elif r["holder"]:
            r["holder"] = i18n.gettext(r["holder"])
        if r["challenger_code"] in side_by:
            r["challenger"] = i18n.side_name(side_by[r["challenger_code"]])
    items = sort_rows(listed, column, descending)
    iso = state["day"].isoformat()
    ctx = {"conflict": state["conflict"], "state": state, "iso": iso, "words": words(state["day"]),
           "short": short(state["day"]), **_include(state), "rows": items, "sort": column,
           "descending": descending, "columns": COLUMNS,
           "page_title": i18n.gettext("%(title)s — table of who held what on %(day)s") % {
               "title": i18n.conflict_text(state["conflict"]), "day": short(state["day"])}}
    response = templates.TemplateResponse(request, "table.html", ctx)
    response.headers["Link"] = (f'</api/control.geojson?date={iso}{ctx["inc"]}>; rel="alternate"; '
                                'type="application/geo+json"')
    response.headers["Vary"] = "Accept-Language"
    return response
