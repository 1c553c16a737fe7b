"""The app's own ASGI middleware (app/main.py, app/security.py), each on its own and in the stack.

They are pure ASGI middleware, not Starlette's BaseHTTPMiddleware, so a response passes through
as the handler sent it: one body message, its Content-Length kept, GZip's minimum size honoured.
"""
import gzip

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.config import Settings
from app.main import MAX_PARAM_LENGTH, HeadAsGet, RejectHostileParams
from app.security import PERMISSIONS_POLICY, SecurityHeaders, content_security_policy

SETTINGS = Settings(database_url="sqlite://", assets="local", tile_url="https://{s}.tiles.example/{z}/{x}/{y}.png")


def _own_headers(request):
    return PlainTextResponse("mine", headers={"X-Frame-Options": "SAMEORIGIN",
                                              "Content-Security-Policy": "default-src 'self'"})


def _plain(request):
    return PlainTextResponse("plain " + request.url.query)


def _boom(request):
    raise RuntimeError("boom")


def tiny_app():
    app = Starlette(routes=[Route("/own", _own_headers), Route("/plain", _plain), Route("/embed", _plain),
                            Route("/embed/", _plain), Route("/redoc", _plain), Route("/boom", _boom)])
    return HeadAsGet(SecurityHeaders(RejectHostileParams(app), settings=SETTINGS))


@pytest.fixture
def tiny():
    with TestClient(tiny_app(), raise_server_exceptions=False) as c:
        yield c


def test_security_headers_added_once_and_a_handlers_own_win(tiny):
    r = tiny.get("/plain")
    assert r.headers["content-security-policy"] == content_security_policy(SETTINGS, "/plain")
    assert "img-src 'self' data: https://*.tiles.example" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cross-origin-opener-policy"] == "same-origin"
    assert r.headers["permissions-policy"] == PERMISSIONS_POLICY
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    names = [k for k, _ in r.headers.multi_items()]
    assert len(names) == len(set(names)), names  # no header twice
    own = tiny.get("/own")
    assert own.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert own.headers.get_list("content-security-policy") == ["default-src 'self'"]
    assert own.headers["referrer-policy"] == "strict-origin-when-cross-origin"  # the rest still added


@pytest.mark.parametrize("path", ["/embed", "/embed/"])
def test_embed_may_be_framed_and_has_no_opener_policy(tiny, path):
    r = tiny.get(path)
    assert "frame-ancestors *" in r.headers["content-security-policy"]
    assert "x-frame-options" not in r.headers and "cross-origin-opener-policy" not in r.headers
    assert r.headers["permissions-policy"] == PERMISSIONS_POLICY


def test_redoc_policy_and_the_ordinary_one(tiny):
    assert "worker-src blob:" in tiny.get("/redoc").headers["content-security-policy"]
    for path in ("/plain", "/redoc/x", "/nope"):
        assert "worker-src" not in tiny.get(path).headers["content-security-policy"], path
    assert tiny.get("/nope").status_code == 404
    assert tiny.get("/nope").headers["x-frame-options"] == "DENY"  # errors carry them too


def test_hostile_parameters_get_a_422_naming_them_with_the_security_headers(tiny):
    r = tiny.get("/plain", params={"date": "2024\x00"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "date"]
    assert r.json()["detail"][0]["msg"].startswith("date: control characters")
    assert r.headers["x-frame-options"] == "DENY"
    long = tiny.get("/plain", params={"q": "x" * (MAX_PARAM_LENGTH + 1)})
    assert long.status_code == 422 and long.json()["detail"][0]["msg"].startswith("q: value longer than")
    name = tiny.get("/plain?" + "n" * (MAX_PARAM_LENGTH + 1) + "=1")
    assert name.status_code == 422 and name.json()["detail"][0]["loc"] == ["query", "n" * 50]
    delete = tiny.get("/plain", params={"a": "ok", "b": "x\x7f"})
    assert delete.status_code == 422 and delete.json()["detail"][0]["loc"] == ["query", "b"]
    fine = tiny.get("/plain", params={"a": "x" * MAX_PARAM_LENGTH, "b": "ünï cödé\u200f"})
    assert fine.status_code == 200


def test_head_is_get_without_the_body(tiny):
    get, head = tiny.get("/plain?x=1"), tiny.head("/plain?x=1")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))
    assert head.headers["content-security-policy"] == get.headers["content-security-policy"]


def test_an_unhandled_error_is_still_a_500(tiny):
    assert tiny.get("/boom").status_code == 500


def test_gzip_keeps_content_length_and_minimum_size(client):
    """A large body is gzipped whole, with its Content-Length (no chunked stream); a small one is sent as is."""
    with client.stream("GET", "/?date=2024-12-07", headers={"Accept-Encoding": "gzip"}) as big:
        raw = b"".join(big.iter_raw())
    assert big.headers["content-encoding"] == "gzip" and "Accept-Encoding" in big.headers["vary"]
    assert big.headers["content-length"] == str(len(raw))
    assert gzip.decompress(raw).decode() == client.get("/?date=2024-12-07", headers={"Accept-Encoding": "identity"}).text
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    assert small.headers["content-length"] == str(len(small.content))
