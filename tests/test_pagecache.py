"""The page cache (app/pagecache.py): `/` and `/embed` rendered once per key and data version."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app import pages
from app.config import ROOT, Settings
from app.loader import load_directory, migrate
from app.main import create_app
from app.pagecache import PageCache

PAGE = "/?date=2024-12-07"
HX = {"HX-Request": "true"}


@pytest.fixture
def renders(monkeypatch):
    """How many times the page handlers really built a page (not replayed)."""
    calls = []
    real = pages._context

    def counting(request, session, state):
        calls.append(request.url.path)
        return real(request, session, state)

    monkeypatch.setattr(pages, "_context", counting)
    return calls


@pytest.fixture
def loaded(fresh_engine, tmp_path):
    load_directory(ROOT / "data", fresh_engine)
    settings = Settings(database_url=fresh_engine.url.render_as_string(hide_password=False), assets="local",
                        cache_dir=tmp_path / "cache")
    with TestClient(create_app(settings)) as c:
        yield fresh_engine, c


def test_a_page_is_rendered_once_and_replayed_byte_for_byte(loaded, renders):
    _, client = loaded
    first = client.get(PAGE)
    assert first.status_code == 200 and renders == ["/"]
    again = client.get(PAGE)
    assert renders == ["/"]
    assert again.content == first.content
    assert list(again.headers.multi_items()) == list(first.headers.multi_items())
    assert again.headers["content-encoding"] == "gzip"
    assert {v.strip() for v in again.headers["vary"].split(",")} == {"HX-Request", "Accept-Language", "Accept-Encoding"}
    assert "frame-ancestors 'none'" in again.headers["content-security-policy"]
    head = client.head(PAGE)
    assert head.status_code == 200 and head.content == b"" and renders == ["/"]
    # a client without gzip gets the same page, uncompressed (its own entry)
    plain = client.get(PAGE, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == first.text and renders == ["/", "/"]


def test_fragment_full_page_language_host_and_embed_are_kept_apart(loaded, renders):
    _, client = loaded
    full = client.get(PAGE).text
    fragment = client.get(PAGE, headers=HX).text
    restore = client.get(PAGE, headers={**HX, "HX-History-Restore-Request": "true"}).text
    assert "<html" in full and "<html" not in fragment and restore == full
    arabic = client.get(PAGE, headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic and '<html lang="en">' in full
    assert client.get(PAGE + "&lang=ar").text == arabic  # the language, not the header, is the key
    other_host = client.get(PAGE, headers={"Host": "tidemark.example"}).text
    assert "http://tidemark.example/?date=2024-12-07" in other_host and "tidemark.example" not in full
    embed = client.get("/embed?date=2024-12-07").text
    assert "<html" in embed and embed != full
    before = len(renders)
    for headers in ({}, HX, {**HX, "HX-History-Restore-Request": "true"}, {"Accept-Language": "ar"},
                    {"Host": "tidemark.example"}):
        client.get(PAGE, headers=headers)
    client.get("/embed?date=2024-12-07")
    assert len(renders) == before  # all replayed
    assert client.get(PAGE, headers=HX).text == fragment
    assert client.get(PAGE, headers={"Accept-Language": "ar"}).text == arabic


def test_errors_are_not_cached(loaded, monkeypatch):
    _, client = loaded
    calls = []
    real = pages._view_state
    monkeypatch.setattr(pages, "_view_state", lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(2):
        r = client.get("/?date=2099-01-01")
        assert r.status_code == 422 and "date" in r.text
    assert client.get("/?side=nobody").status_code == 422
    assert len(calls) == 3  # the handler ran every time


def test_new_data_renders_anew(loaded, renders, data_copy):
    engine, client = loaded
    before = client.get("/?date=2024-12-08").text
    path = data_copy / "events.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if ",aleppo," not in line]
    path.write_text("".join(kept), encoding="utf-8")
    load_directory(data_copy, engine)  # a new data version
    after = client.get("/?date=2024-12-08").text
    assert after != before and len(renders) == 2
    assert client.get("/?date=2024-12-08").text == after and len(renders) == 2


def test_a_changed_setting_renders_anew(loaded, renders, monkeypatch):
    _, client = loaded
    client.get(PAGE)
    monkeypatch.setattr(client.app.state.settings, "stale_after_days", 10)
    client.get(PAGE)
    assert len(renders) == 2


def test_memory_is_bounded(tmp_path):
    """Least recently used entries go first, beyond the entry count or the byte budget."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    from app.db import engine_for
    migrate(engine_for(url))
    body = b"x" * 1000

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": scope["query_string"] + body})

    cache = PageCache(app, Settings(database_url=url), max_entries=3, max_bytes=100_000)
    c = TestClient(cache)  # no lifespan: the stub app answers HTTP only
    for i in range(5):
        assert c.get(f"/?n={i}").content == f"n={i}".encode() + body
    assert len(cache.entries) == 3 and cache.misses == 5
    c.get("/?n=2")  # still kept
    assert cache.hits == 1
    c.get("/?n=0")  # evicted: built again
    assert cache.misses == 6
    assert c.get("/elsewhere").status_code == 200 and cache.misses == 6  # other paths pass by
    small = PageCache(app, Settings(database_url=url), max_entries=100, max_bytes=8 * 1600)
    c = TestClient(small)
    for i in range(20):
        c.get(f"/?n={i}")
    assert small.size <= 8 * 1600 and 0 < len(small.entries) < 20


def test_concurrent_requests_for_one_page_render_it_once(tmp_path):
    """A burst of requests for a page not kept yet waits for the one render (no stampede); if that
    render is not kept (an error), each waiting request renders for itself."""
    import asyncio
    import concurrent.futures

    url = f"sqlite:///{tmp_path / 'x.db'}"
    from app.db import engine_for
    migrate(engine_for(url))
    renders = []

    async def app(scope, receive, send):
        renders.append(1)
        await asyncio.sleep(0.05)
        status = 500 if scope["query_string"] == b"fail" and len(renders) == 1 else 200
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": b"page " + scope["query_string"]})

    cache = PageCache(app, Settings(database_url=url))

    async def get(query: bytes):
        scope = {"type": "http", "method": "GET", "path": "/", "query_string": query, "headers": [],
                 "scheme": "http", "server": ("testserver", 80), "root_path": ""}
        out = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            out.append(message)

        await cache(scope, receive, send)
        return out[0]["status"], out[1]["body"]

    def burst(query: bytes, n: int):
        async def all_at_once():
            return await asyncio.gather(*(get(query) for _ in range(n)))
        # a thread of its own: the test session's thread may already run an event loop (Playwright)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, all_at_once()).result()

    assert burst(b"a", 8) == [(200, b"page a")] * 8
    assert len(renders) == 1 and cache.misses == 1 and cache.hits == 7 and not cache.inflight
    renders.clear()
    results = burst(b"fail", 4)
    assert sorted(results) == [(200, b"page fail")] * 3 + [(500, b"page fail")]
    assert len(renders) == 4 and not cache.inflight
