"""Browser tests: Debian's chromium, driven by Playwright, against a real uvicorn."""
from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pytest

from .liveserver import CHROMIUM, ROOT, build_database, launch_browser, running_server

playwright_api = pytest.importorskip("playwright.sync_api")


BROWSER_FIXTURES = {"browser", "page", "live_server", "proposed_server"}


def pytest_collection_modifyitems(config, items):
    reasons = []
    if not Path(CHROMIUM).exists():
        reasons.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    if not (ROOT / "node_modules" / "leaflet").is_dir():
        reasons.append("node_modules is missing (npm ci)")
    if not reasons:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("browser tests cannot run: " + "; ".join(reasons))
    skip = pytest.mark.skip(reason="; ".join(reasons))
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("live")
    url = build_database(tmp / "tidemark.db")
    with running_server(url, log=tmp / "uvicorn.log") as base:
        yield base


@pytest.fixture(scope="session")
def proposed_db_url(tmp_path_factory) -> str:
    """The bundled data plus one article run through the real `tidemark ingest` code:
    "Rebels captured the town of Qardaha on Thursday.", published 2024-12-06, so a
    proposed (unreviewed) capture of Qardaha on 2024-12-05. The accepted data has no
    event there before 8 December: Qardaha is government-held from the baseline on."""
    from app.db import engine_for
    from app.extract.ingest import format_report, ingest_paths
    from app.extract.resources import resources_for

    tmp = tmp_path_factory.mktemp("proposed")
    url = build_database(tmp / "tidemark.db")
    article = tmp / "qardaha.txt"
    article.write_text("Rebels captured the town of Qardaha on Thursday.\n", encoding="utf-8")
    engine = engine_for(url)
    report = ingest_paths([article], engine, resources_for(str(ROOT / "data")), published=date(2024, 12, 6))
    engine.dispose()
    assert [n for _, _, n in report.added] == [1], format_report(report)
    return url


@pytest.fixture(scope="session")
def proposed_server(proposed_db_url, tmp_path_factory) -> str:
    with running_server(proposed_db_url, log=tmp_path_factory.mktemp("live-proposed") / "uvicorn.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.console_errors = []
    # each error keeps the URL it is about, so tile 404s can be told apart
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(
        f"{m.text} @ {(m.location or {}).get('url', '')}"))
    pg.on("pageerror", lambda e: pg.console_errors.append(f"pageerror: {e}"))
    yield pg
    context.close()


@pytest.fixture(scope="session")
def side_colours() -> dict[str, str]:
    with open(ROOT / "data" / "sides.csv", encoding="utf-8") as f:
        return {row["code"]: row["colour"].lower() for row in csv.DictReader(f)}


@pytest.fixture(scope="session")
def side_coalitions() -> dict[str, str]:
    with open(ROOT / "data" / "sides.csv", encoding="utf-8") as f:
        return {row["code"]: row["coalition"] for row in csv.DictReader(f)}
