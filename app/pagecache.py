"""The dashboard `/` and the embed `/embed`, as sent, kept in memory per data version.

Rendering the page (or its HTMX panel) reads the day's whole state, the changes, the events and
the timeline, and runs the templates: ~15 ms. Yet the answer depends only on the request's URL
query, its `HX-Request` / `HX-History-Restore-Request` headers (fragment or full page), the
interface language (`lang`, else Accept-Language), the address the page links to (Host, scheme,
root path), whether the client takes gzip, the settings, the static files (their `?v=` hashes)
and the data version (app/cache.py), which every writer changes. So the first `200` answer for
such a key is kept, as the bytes GZip sent, and replayed to the next request with the same key
without running the handler. A new data version empties the cache. Entries are evicted least
recently used first beyond `MAX_ENTRIES` or `MAX_BYTES`, so memory stays bounded whatever URLs
are asked for. Only complete `200` answers are kept; errors (4xx, 503) are never cached.

A pure ASGI middleware, placed between SecurityHeaders and GZip (app/main.py): security headers
are added to a replayed answer as to any other, and HEAD (HeadAsGet) is a GET without its body.
"""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from functools import lru_cache

from .config import ROOT
from .httpcache import request_data_version
from .i18n import negotiate

PATHS = ("/", "/embed")
MAX_ENTRIES = 512
MAX_BYTES = 32 * 1024 * 1024  # gzipped pages are 1-10 KB, so this is a bound, not a target
STATIC = ROOT / "static"
_HEADERS = frozenset((b"host", b"hx-request", b"hx-history-restore-request", b"accept-language", b"accept-encoding"))


@lru_cache(maxsize=256)
def _language(accept_language: bytes | None) -> str:
    return negotiate(accept_language.decode("latin-1") if accept_language is not None else None)


class _StaticStamp:
    """The static files' modification times, looked at most once a second: the page names them
    with a content hash (`?v=`), so a changed file must not be served from an older page."""

    def __init__(self):
        self.checked = 0.0
        self.value: tuple = ()

    def __call__(self) -> tuple:
        now = time.monotonic()
        if now - self.checked >= 1.0:
            try:
                self.value = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in STATIC.iterdir() if p.is_file()))
            except OSError:
                self.value = ()
            self.checked = now
        return self.value


class PageCache:
    def __init__(self, app, settings, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.app = app
        self.settings = settings
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.entries: OrderedDict[tuple, tuple[dict, list[dict], int]] = OrderedDict()
        self.size = 0
        self.version = None
        self.static = _StaticStamp()
        self.hits = self.misses = 0
        self.inflight: dict[tuple, asyncio.Event] = {}  # keys being rendered now

    def key(self, scope, version: str) -> tuple:
        headers = {}
        for name, value in scope["headers"]:
            if name in _HEADERS and name not in headers:  # the first of a repeated header, as Starlette reads
                headers[name] = value
        return (scope["path"], scope.get("query_string", b""), scope.get("scheme"), scope.get("root_path", ""),
                scope.get("app_root_path"), tuple(scope.get("server") or ()), headers.get(b"host"), headers.get(b"hx-request"),
                headers.get(b"hx-history-restore-request"), _language(headers.get(b"accept-language")),
                "gzip" in headers.get(b"accept-encoding", b"").decode("latin-1"),  # as GZipMiddleware decides
                tuple(self.settings.__dict__.items()), self.static(), version)

    def _store(self, key: tuple, messages: list[dict]) -> None:
        size = sum(len(m.get("body", b"")) for m in messages) + 512
        if size > self.max_bytes // 8:
            return
        self.entries[key] = (messages[0], messages[1:], size)
        self.size += size
        while self.entries and (len(self.entries) > self.max_entries or self.size > self.max_bytes):
            _, (_, _, dropped) = self.entries.popitem(last=False)
            self.size -= dropped

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in PATHS:
            return await self.app(scope, receive, send)
        version = request_data_version(scope, self.settings.database_url)
        if version != self.version:
            self.clear()
            self.version = version
        key = self.key(scope, version)
        rendering = self.inflight.get(key)
        if rendering is not None:  # the same page is being rendered: wait for it, not render it again
            await rendering.wait()
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            self.hits += 1
            start, bodies, _ = entry
            await send({**start, "headers": list(start["headers"])})
            for message in bodies:
                await send(dict(message))
            return
        self.misses += 1
        if rendering is None:
            done = self.inflight[key] = asyncio.Event()
            try:
                await self._render(scope, receive, send, key, version)
            finally:
                del self.inflight[key]
                done.set()
        else:  # that render was not kept (an error): render this one itself
            await self._render(scope, receive, send, key, version)

    async def _render(self, scope, receive, send, key: tuple, version: str) -> None:
        sent: list[dict] = []
        keep = True

        async def record(message):
            nonlocal keep
            if keep:
                kind = message["type"]
                if kind == "http.response.start":
                    keep = (message["status"] == 200 and not message.get("trailers", False)
                            and not any(k.lower() == b"set-cookie" for k, _ in message.get("headers", ())))
                elif kind != "http.response.body":
                    keep = False
                if keep:
                    sent.append({**message, "headers": list(message["headers"])} if kind == "http.response.start"
                                else dict(message))
            await send(message)

        await self.app(scope, receive, record)
        if keep and len(sent) >= 2 and not sent[-1].get("more_body", False) and self.version == version:
            self._store(key, sent)
