"""Share cards and oEmbed: a PNG of any day's map, and the iframe for any view, for CMSs and chat apps.

- `/preview.png?date=…[&include=proposed][&w=…]`: the day's 1200×630 card (app/preview.py), cached per
  date and data version; `w` scales it down for thumbnails.
- `/oembed?url=…&format=json[&maxwidth=…&maxheight=…]`: oEmbed 1.0, `type: rich`, with the iframe of
  that exact view (`/` and `/embed` URLs of this site) and the card as its thumbnail.
"""
from __future__ import annotations

import hashlib
import html
import io
import json
from collections import OrderedDict
from threading import Lock
from typing import Annotated
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from PIL import Image

from . import basemap, i18n, preview, queries
from .cache import data_version
from .db import SessionDep
from .params import invalid, parse_int

router = APIRouter(include_in_schema=False)
Param = Annotated[str | None, Query()]
EMBED_WIDTH, EMBED_HEIGHT = 800, 480
MIN_EMBED = 200
_CACHE: OrderedDict[tuple, bytes] = OrderedDict()
_LOCK = Lock()
CACHE_SIZE = 64


def _basemap_for(session) -> dict | None:
    box = basemap.box_of_places(session)
    body = basemap.basemap_bytes(box) if box else None
    return json.loads(body) if body else None


def card_png(session, state: dict, width: int | None = None) -> tuple[bytes, str]:
    """The card of a view state (date, include) and its ETag; rendered once per data version."""
    from .pages import words

    key = (data_version(session), state["day"].isoformat(), state["proposed"], i18n.current(), width)
    etag = '"' + hashlib.sha1(repr(key).encode()).hexdigest()[:16] + '"'
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key], etag
    full_key = key[:4] + (None,)
    with _LOCK:
        body = _CACHE.get(full_key)
    if body is None:
        collection = queries.control_collection(session, state["day"], include_proposed=state["proposed"])
        conflict = state["conflict"]
        note = i18n.gettext("Includes unreviewed events") if state["proposed"] else i18n.gettext("Every marker cites its source")
        body = preview.render(collection, _basemap_for(session), i18n.conflict_text(conflict), words(state["day"]),
                              footer=f"Tidemark · {note}")
    if width:
        image = Image.open(io.BytesIO(body))
        image = image.resize((width, round(width * preview.HEIGHT / preview.WIDTH)), Image.LANCZOS)
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
        scaled = out.getvalue()
    with _LOCK:
        _CACHE[full_key] = body
        if width:
            _CACHE[key] = scaled
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return (scaled if width else body), etag


@router.get("/preview.png")
def preview_png(request: Request, session: SessionDep, date: Param = None, include: Param = None,
                w: Param = None) -> Response:
    """The share card of a day: map, legend, date and title as a 1200×630 PNG."""
    from .pages import _no_data, _view_state

    state = _view_state(session, date, None, None, None, None, include, i18n.use(request)[1])
    if not state:
        return _no_data()
    width = parse_int("w", w, 120, preview.WIDTH)
    body, etag = card_png(session, state, None if width in (None, preview.WIDTH) else width)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="image/png", headers=headers)


def preview_url(base: str, state: dict, width: int | None = None) -> str:
    params = {"date": state["day"].isoformat()}
    if state.get("proposed"):
        params["include"] = "proposed"
    if state.get("lang"):  # the card speaks the view's language
        params["lang"] = state["lang"]
    if width:
        params["w"] = width
    return f"{base}/preview.png?{urlencode(params)}"


def oembed_link(base: str, page_url: str) -> str:
    return f"{base}/oembed?{urlencode({'url': page_url, 'format': 'json'})}"


def _not_ours(message: str) -> HTTPException:
    return HTTPException(status_code=404, detail=message)


@router.get("/oembed")
def oembed(request: Request, session: SessionDep, url: Param = None, format: Param = None,
           maxwidth: Param = None, maxheight: Param = None) -> Response:
    """oEmbed 1.0 for this site's map views: `type: rich`, the iframe of that exact state."""
    from .pages import _query, _view_state, short

    if format not in (None, "", "json"):
        raise HTTPException(status_code=501, detail="format: only json is implemented")
    if not url:
        raise invalid("url", "the URL of a map view of this site is required")
    base = str(request.base_url).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(base).netloc \
            or parts.path.rstrip("/") not in ("", "/embed"):
        raise _not_ours("url: not a map view of this site (/ or /embed)")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    try:
        state = _view_state(session, query.get("date"), query.get("place"), query.get("lat"),
                            query.get("lon"), query.get("zoom"), query.get("include"), query.get("lang"),
                            query.get("side"), query.get("type"), query.get("q"))
        if state.get("lang"):  # the view's language: its title and iframe keep it
            i18n.set_current(state["lang"])
    except HTTPException as exc:
        raise _not_ours(f"url: not a valid view ({exc.detail[0]['msg'] if isinstance(exc.detail, list) else exc.detail})")
    if not state:
        raise _not_ours("url: no data loaded")
    max_w = parse_int("maxwidth", maxwidth, 1, 100_000)
    max_h = parse_int("maxheight", maxheight, 1, 100_000)
    width = min(EMBED_WIDTH, max_w) if max_w else EMBED_WIDTH
    height = min(EMBED_HEIGHT, max_h) if max_h else EMBED_HEIGHT
    if width < MIN_EMBED or height < MIN_EMBED:
        raise _not_ours(f"maxwidth/maxheight: the map needs at least {MIN_EMBED}×{MIN_EMBED} pixels")
    embed_query = _query(state)
    if query.get("slider") == "0":
        embed_query += "&slider=0"
    title = i18n.gettext("%(title)s — who held what on %(day)s") % {"title": i18n.conflict_text(state["conflict"]),
                                                                   "day": short(state["day"])}
    iframe = (f'<iframe src="{html.escape(f"{base}/embed?{embed_query}")}" title="{html.escape(title)}" '
              f'width="{width}" height="{height}" style="border:0" loading="lazy"></iframe>')
    thumb_w = preview.WIDTH
    for limit, full in ((max_w, preview.WIDTH), (max_h, preview.HEIGHT)):
        if limit and limit < full:
            thumb_w = min(thumb_w, round(preview.WIDTH * limit / full))
    body = {
        "version": "1.0", "type": "rich", "provider_name": "Tidemark", "provider_url": base + "/",
        "title": title, "html": iframe, "width": width, "height": height, "cache_age": 300,
    }
    if thumb_w >= 120:
        body.update(thumbnail_url=preview_url(base, state, None if thumb_w == preview.WIDTH else thumb_w),
                    thumbnail_width=thumb_w,
                    thumbnail_height=round(thumb_w * preview.HEIGHT / preview.WIDTH))
    return JSONResponse(body, headers={"Access-Control-Allow-Origin": "*"})
