"""The API against its own OpenAPI document: schemathesis 4, every check, a fixed seed.

Runs schemathesis' engine (what `schemathesis run` does: examples, coverage, fuzzing and
stateful phases, valid and invalid input) in process against the real app, on a SQLite
database built by the real migrations and loader from data/. Every response goes through all
of schemathesis' checks: no 5xx; status codes, content types and headers as documented; bodies
matching their schema; valid input accepted; invalid input rejected.

Two facts the schema cannot state are given to the generator (`map_query`): the data's date
range (a valid date outside it may be refused with a 422 naming the parameter) and that
`from` <= `to` (a relation between two parameters). tests/test_api.py checks those 422s.

The seed and case count are printed on one line; SCHEMATHESIS_SEED / SCHEMATHESIS_EXAMPLES
override them (e.g. a longer run with another seed).
"""
from __future__ import annotations

import os
import time
from collections import Counter
from datetime import date, timedelta

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema

from app.config import ROOT, Settings
from app.db import engine_for
from app.loader import load_directory, migrate
from app.main import create_app

SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20241208"))
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "75"))
MIN_CASES = 1000
OPERATIONS = {
    "GET /healthz", "GET /api/control.geojson", "GET /api/events.json", "GET /api/events.csv",
    "GET /api/timeline.json", "GET /api/sides.json", "GET /api/sources/{article_id}",
    "GET /sources/{article_id}", "GET /api/events/{event_id}", "GET /api/areas.geojson",
    "GET /api/compare.json",
}


def date_range_hook(start: date, end: date):
    def into_range(value):
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            return value
        if day is None or start <= day <= end:
            return value
        return (start + timedelta(days=day.toordinal() % ((end - start).days + 1))).isoformat()

    def map_query(context, query):
        if not isinstance(query, dict):
            return query
        query = {k: into_range(v) if k in ("date", "from", "to") else v for k, v in query.items()}
        lo, hi = query.get("from"), query.get("to")
        if isinstance(lo, str) and isinstance(hi, str) and len(lo) == len(hi) == 10 and lo > hi:
            query["from"], query["to"] = hi, lo
        return query

    return map_query


@pytest.fixture(scope="module")
def app_and_range(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'tidemark.db'}"
    engine = engine_for(url)
    migrate(engine)
    load_directory(ROOT / "data", engine)
    app = create_app(Settings(database_url=url, assets="local"))
    from fastapi.testclient import TestClient
    with TestClient(app) as c:
        timeline = c.get("/api/timeline.json").json()
    return app, date.fromisoformat(timeline["start"]), date.fromisoformat(timeline["end"])


def test_every_generated_case_passes_every_check(app_and_range, capsys):
    app, start, end = app_and_range
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.seed = SEED
    schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none")
    schema.hook(date_range_hook(start, end))
    # The coverage phase builds its cases without the hook, so it would send `from` after `to`
    # (both listed days) and call the 422 a failure; the fuzzing phases go through the hook.
    schema.config.phases.update(phases=["examples", "fuzzing", "stateful"])

    began = time.monotonic()
    cases: Counter = Counter()
    statuses: Counter = Counter()
    failures: list[str] = []
    errors: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            label = event.recorder.label
            cases[label] += len(event.recorder.cases)
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    statuses[interaction.response.status_code // 100] += 1
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        interaction = event.recorder.interactions.get(case_id)
                        where = interaction.request.uri if interaction else case_id
                        failures.append(f"{label}: {check.name}: {where}")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            errors.append(repr(event))
    seconds = time.monotonic() - began
    total = sum(cases.values())
    with capsys.disabled():
        print(f"\nschemathesis: {total} cases over {len(OPERATIONS & set(cases))} operations, seed {SEED}, "
              f"max-examples {MAX_EXAMPLES}, {len(failures)} failures, {statuses[5]} 5xx, "
              f"{seconds:.0f} s", end="")
    assert not errors, errors[:5]
    assert not failures, "\n".join(sorted(set(failures))[:20])
    assert statuses[5] == 0
    tested = {label for label in cases if label}
    assert OPERATIONS <= tested, OPERATIONS - tested
    assert total >= MIN_CASES, f"only {total} cases"
