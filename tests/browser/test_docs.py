"""/docs and /redoc render offline: their assets come from node_modules (ASSETS=local)."""
from __future__ import annotations

import pytest


def _offline(page, base: str) -> list[str]:
    """Abort (and record) every request that would leave the test server."""
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith(base) or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return outside


def test_swagger_ui_renders_with_no_network(page, live_server):
    outside = _offline(page, live_server)
    response = page.goto(live_server + "/docs")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/control.geojson" in p for p in paths), paths
    # it works, not just draws: open an operation and run it against the real API
    page.locator(".opblock-summary-path", has_text="/api/timeline.json").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=10000)
    assert status.inner_text().strip().startswith("200")
    assert outside == []
    assert page.console_errors == []


def test_redoc_renders_with_no_network(page, live_server):
    outside = _offline(page, live_server)
    response = page.goto(live_server + "/redoc")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    page.wait_for_selector("h1", timeout=30000)
    page.wait_for_function("document.body.innerText.includes('/api/control.geojson')", timeout=30000)
    assert "Tidemark" in page.locator("h1").first.inner_text()
    assert outside == []
    # Redoc's "API docs by Redocly" footer asks for a logo on cdn.redoc.ly: the CSP blocks it
    # (the only request that would leave the server); nothing else may be blocked.
    blocked = [e for e in page.console_errors if "Content Security Policy" in e]
    assert all("https://cdn.redoc.ly/" in e for e in blocked), blocked
