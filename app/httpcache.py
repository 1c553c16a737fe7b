"""HTTP caching and CORS for the read-only API (`/api/...`).

- `ETag: W/"<app version>-<data version>"` on every 200 answer, where the data version
  (app/cache.py) changes whenever `load`, `ingest` or `review` changes the data. It is read
  *before* the handler runs, so a body is never older than its ETag.
- `If-None-Match` with the current ETag gets a `304 Not Modified` without running the
  handler (no query beyond the one-row version lookup).
- `Cache-Control: public, no-cache`: any cache may keep an answer, and revalidates it
  (cheaply, with the ETag) before using it, so a reload is seen at once.
- CORS: the API is read-only and public, so `Access-Control-Allow-Origin: *` (ETag and Link
  exposed), and a preflight `OPTIONS` is answered for GET/HEAD with `If-None-Match`.

The ETag is weak because the gzip middleware may serve the same data in another encoding.
A pure ASGI middleware: it adds no task or buffering per request.
"""
from __future__ import annotations

import threading
from functools import lru_cache

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers

from .cache import _READ, data_version

_READ_VERSION = str(_READ)

API_PREFIX = "/api/"
CACHE_CONTROL = "public, no-cache"
CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"ETag, Link"),
]
PREFLIGHT_HEADERS = CORS_HEADERS + [
    (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
    (b"access-control-allow-headers", b"If-None-Match"),
    (b"access-control-max-age", b"86400"),
]


@lru_cache
def version_engine(url: str) -> Engine:
    """A one-connection engine for the version lookup, used only by the event loop's thread.

    Not the app's pool: the handlers' threads may hold all of its connections, and a blocking
    checkout on the event loop would stall every request (including those that would free one).
    """
    kwargs = {"connect_args": {"check_same_thread": False}} if url.startswith("sqlite") else {}
    return create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=not url.startswith("sqlite"),
                         **kwargs)


SCOPE_KEY = "tidemark.data_version"


class _SqliteVersion:
    """The version read straight through one kept SQLite connection (no SQLAlchemy per request:
    ~2 µs instead of ~40). Each read is its own statement run to completion, so it sees the
    latest commit and holds no snapshot open between requests."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.conn = None
        self.lock = threading.Lock()

    def reset(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.invalidate()  # not back to the pool: a fresh connection next time
            except Exception:
                pass

    def __call__(self) -> str:
        with self.lock:
            try:
                if self.conn is None:
                    self.conn = self.engine.raw_connection()
                cur = self.conn.cursor()
                try:
                    cur.execute(_READ_VERSION)
                    rows = cur.fetchall()
                finally:
                    cur.close()
            except Exception:  # a database not migrated yet (as app/cache.py: data_version)
                self.reset()
                return "none"
            return (rows[0][0] if rows else None) or "none"


@lru_cache
def version_reader(url: str):
    engine = version_engine(url)
    if url.startswith("sqlite"):
        return _SqliteVersion(engine)
    return lambda: data_version(engine)


def request_data_version(scope, database_url: str) -> str:
    """The data version for this request, read once (on the event loop, not the app's pool) and
    kept in the ASGI scope, so the middleware's ETag and the handler's cache agree."""
    version = scope.get(SCOPE_KEY)
    if version is None:
        version = scope[SCOPE_KEY] = version_reader(database_url)()
    return version


def etag_for(version: str, app_version: str) -> str:
    return f'W/"{app_version}-{version}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison against an If-None-Match list (or `*`)."""
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


class ReadApiCaching:
    def __init__(self, app, database_url: str, app_version: str):
        self.app = app
        self.database_url = database_url
        self.app_version = app_version

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            return await self.app(scope, receive, send)
        method = scope["method"]
        if method == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": PREFLIGHT_HEADERS})
            await send({"type": "http.response.body", "body": b""})
            return
        if method not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)

        etag = etag_for(request_data_version(scope, self.database_url), self.app_version)
        if_none_match = Headers(scope=scope).get("if-none-match")
        if if_none_match and etag_matches(if_none_match, etag):
            await send({"type": "http.response.start", "status": 304, "headers": CORS_HEADERS + [
                (b"etag", etag.encode()), (b"cache-control", CACHE_CONTROL.encode()),
                (b"vary", b"Accept-Encoding")]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + CORS_HEADERS
                has_own = any(k.lower() == b"etag" for k, _ in headers)  # a handler's finer ETag wins
                if message["status"] == 200 and not has_own:
                    headers += [(b"etag", etag.encode()), (b"cache-control", CACHE_CONTROL.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
