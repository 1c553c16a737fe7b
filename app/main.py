"""The FastAPI application."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import QueryParams

from .config import ROOT, Settings, get_settings
from .httpcache import ReadApiCaching
from .pagecache import PageCache
from .security import SecurityHeaders

MAX_PARAM_LENGTH = 1000


def _param_error(name: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": [
        {"loc": ["query", name], "msg": f"{name}: {message}", "type": "value_error"}]})


_CONTROL = frozenset(chr(c) for c in (*range(32), 127))


def hostile_param(query_string: bytes) -> JSONResponse | None:
    """The 422 for the first query value with control characters or an absurd length, if any."""
    for name, value in QueryParams(query_string).multi_items():
        if len(value) > MAX_PARAM_LENGTH or len(name) > MAX_PARAM_LENGTH:
            return _param_error(name[:50], f"value longer than {MAX_PARAM_LENGTH} characters")
        if not _CONTROL.isdisjoint(value) or not _CONTROL.isdisjoint(name):
            return _param_error(name[:50], "control characters (such as NUL) are not allowed")
    return None


class RejectHostileParams:
    """Query values with control characters or absurd lengths never reach a handler.

    A pure ASGI middleware (no task or stream per request, unlike Starlette's BaseHTTPMiddleware)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("query_string"):
            error = hostile_param(scope["query_string"])
            if error is not None:
                return await error(scope, receive, send)
        return await self.app(scope, receive, send)


class HeadAsGet:
    """Answer HEAD like GET without the body (link checkers and crawlers send HEAD)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def send_headers_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    details = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        name = loc[-1] if loc else "request"
        details.append({"loc": loc, "msg": f"{name}: {err.get('msg', 'invalid')}",
                        "type": err.get("type", "value_error")})
    return JSONResponse(status_code=422, content={"detail": details})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Tidemark",
        description="Who controls which town, day by day, and which article says so.",
        version="0.1.0",
        docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None,  # ours: app/docs.py
    )
    app.state.settings = settings
    app.add_middleware(RejectHostileParams)
    app.add_middleware(ReadApiCaching, database_url=settings.database_url, app_version=app.version)
    # a day's GeoJSON shrinks ~7x; level 6 compresses it ~3x faster than the default 9, ~2% larger
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(PageCache, settings=settings)  # / and /embed as sent, per data version
    app.add_middleware(SecurityHeaders, settings=settings)
    app.add_middleware(HeadAsGet)
    app.add_exception_handler(RequestValidationError, validation_error)

    from . import api, compare, docs, share, sources, table
    app.include_router(api.router)
    app.include_router(compare.router)
    app.include_router(docs.router)
    app.include_router(table.router)
    app.include_router(sources.router)
    app.include_router(share.router)
    try:
        from . import pages
    except ImportError:  # the dashboard module is optional while it is being built
        pages = None
    if pages is not None:
        app.include_router(pages.router)
    from . import openapi
    openapi.install(app)
    app.mount("/static", StaticFiles(directory=str(ROOT / "static")), name="static")
    return app


app = create_app()
