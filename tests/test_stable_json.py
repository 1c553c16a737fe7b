"""Every answer of the read API is the same bytes in every process: key and list order do not
depend on Python's string hashing (PYTHONHASHSEED differs between processes and workers), so
two workers behind one address send the same body under the same ETag. Two processes, with
different seeds and cache directories of their own, ask the same questions of one database
(SQLite and PostgreSQL: the `db_url` fixture) and their answers are compared byte for byte."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from app.config import ROOT

PATHS = [
    "/api/sides.json",
    "/api/control.geojson?date=2024-12-08",
    "/api/control.geojson?date=2024-11-30&include=proposed",
    "/api/periods.json",
    "/api/periods.json?include=proposed",
    "/api/places.json",
    "/api/places/aleppo.geojson?date=2024-12-01",
    "/api/events.json",
    "/api/events.json?_size=5&side=gov&type=capture",
    "/api/events.csv",
    "/api/timeline.json",
    "/api/compare.json?from=2024-11-26&to=2024-12-08",
    "/api/areas.geojson?date=2024-12-05",
    "/api/events/2024-12-07-damascus-encirclement-c4dd",
    "/api/sources/dw-20241207-daraa",
    "/api/sources/05cd8124109c73fd",
    "/oembed?url=http%3A%2F%2Ftestserver%2F%3Fdate%3D2024-12-08",
    "/healthz",
]

PROBE = """
import hashlib, json, sys, tempfile
from fastapi.testclient import TestClient
from app.config import Settings
from app.main import create_app
url, paths = sys.argv[1], sys.argv[2:]
out = {}
with tempfile.TemporaryDirectory() as cache:
    with TestClient(create_app(Settings(database_url=url, assets="local", cache_dir=cache))) as c:
        for p in paths:
            r = c.get(p)
            out[p] = {"status": r.status_code, "etag": r.headers.get("etag"), "body": r.content.decode("utf-8")}
        first = c.get("/api/events.json?_size=3").json()
        out["next page"] = {"status": 200, "etag": None, "body": c.get(first["next_url"]).text}
print(json.dumps(out))
"""


def _answers(db_url: str, seed: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", PROBE, db_url, *PATHS], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_read_api_answers_are_the_same_bytes_in_every_process(client, db_url):
    runs = [_answers(db_url, seed) for seed in ("1", "2", "3")]
    for path in [*PATHS, "next page"]:
        answers = [run[path] for run in runs]
        assert answers[0]["status"] == 200, (path, answers[0]["body"][:300])
        for other in answers[1:]:
            assert other["body"] == answers[0]["body"], (path, answers[0]["body"][:400], other["body"][:400])
            assert other["etag"] == answers[0]["etag"], path
