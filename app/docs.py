"""The API documentation pages, /docs (Swagger UI) and /redoc, without third-party inline code.

FastAPI's own pages load Swagger UI from a CDN and start it with an inline script; ours load
the pinned files of app/assets.py (unpkg with SRI when ASSETS=cdn, node_modules when
ASSETS=local, so the docs work offline) and start Swagger UI from static/docs.js, so the page
runs under `script-src 'self'`. Redoc starts itself from its <redoc spec-url> element.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .assets import DOCS_ASSETS, asset_tags, static_url
from .templating import templates

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str) -> HTMLResponse:
    settings = request.app.state.settings
    return templates.TemplateResponse(request, template, {
        "assets": asset_tags(settings.assets, DOCS_ASSETS), "title": request.app.title,
        "openapi_url": request.app.openapi_url, "static_url": static_url})


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "docs.html")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    return _page(request, "redoc.html")
