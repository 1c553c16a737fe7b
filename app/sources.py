"""The source page: an article's metadata and full text, each quoted passage highlighted."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from . import queries
from .api import get_article
from .db import SessionDep
from .templating import templates

router = APIRouter()
RTL_LANGUAGES = {"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"}


def text_direction(language: str) -> str:
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


@router.get("/sources/{article_id}", response_class=HTMLResponse, tags=["sources"],
            responses={404: {"description": "no source with this id (an HTML page saying so)",
                             "content": {"text/html": {"schema": {"type": "string"}}}}})
def source_page(article_id: str, request: Request, session: SessionDep):
    """HTML view of one source; its JSON twin is /api/sources/{id}."""
    try:
        article = get_article(session, article_id)
    except HTTPException as exc:  # a reader followed a dead link: say so as a page
        return templates.TemplateResponse(request, "source_missing.html", {
            "conflict": queries.conflict(session),
            "shown_id": article_id if len(article_id) <= 80 else article_id[:80] + "…",
        }, status_code=exc.status_code)
    quotes = queries.article_quotes(session, article.id)
    if article.kind == "report":
        quotes.sort(key=lambda e: (e.date, e.id))
    segments = queries.highlight_segments(
        article.text, [(e.quote_start, e.quote_end, e.id) for e in quotes])
    response = templates.TemplateResponse(request, "source.html", {
        "conflict": queries.conflict(session),
        "article": article,
        "segments": segments,
        "quotes": quotes,
        "places": {p.id: p for p in queries.places_by_id(session, {e.place_id for e in quotes})},
        "direction": text_direction(article.language),
    })
    response.headers["Link"] = f'</api/sources/{article.id}>; rel="alternate"; type="application/json"'
    return response
