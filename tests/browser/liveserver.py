"""A real Tidemark server for browser tests and the browser benchmark.

A temp SQLite database built by the real migrations and loader from data/, then
`uvicorn app.main:app` in a subprocess on a free port, with ASSETS=local (Leaflet and
HTMX from node_modules) and TILE_URL=none (the offline Natural Earth basemap alone), so
nothing needs the internet and the browser sees what a closed-network deployment shows.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# No tile server: the offline basemap alone. (A test of tile failures passes a tile URL on
# the app's own origin, which 404s: no internet, and easy to tell apart.)
TILE_URL = "none"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_database(path: Path, data_dir: Path = ROOT / "data") -> str:
    """A SQLite file built by the real migrations and loader from `data_dir`."""
    sys.path.insert(0, str(ROOT))
    from app.db import engine_for
    from app.loader import load_directory, migrate

    url = f"sqlite:///{path}"
    engine = engine_for(url)
    migrate(engine)
    load_directory(data_dir, engine)
    from app import basemap
    basemap.warm(engine)  # as `tidemark load` does: the server's first page needn't cut the basemap
    engine.dispose()
    return url


@contextmanager
def running_server(database_url: str, host: str = "127.0.0.1", log: Path | None = None,
                   tile_url: str = TILE_URL, root: Path = ROOT, env: dict | None = None):
    """Yield the base URL of a uvicorn serving the app (the one in `root`: another checkout for
    benchmarks that compare two versions); stop it afterwards."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "ASSETS": "local", "TILE_URL": tile_url,
           "PYTHONUNBUFFERED": "1", **(env or {})}
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", host, "--port", str(port),
         "--log-level", "warning"], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {proc.returncode}" + (f"; see {log}" if log else ""))
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not answer /healthz within 30 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


@contextmanager
def synthetic_server(tmp: Path, **sizes):
    """A real server on a temp database of bench/synthetic.py's generated conflict (`sizes`: its
    places, events, articles), built with the real migrations and loader."""
    sys.path.insert(0, str(ROOT / "bench"))
    from synthetic import write_dataset

    write_dataset(tmp / "data", **sizes)
    url = build_database(tmp / "synthetic.db", tmp / "data")
    with running_server(url, log=tmp / "uvicorn.log") as base:
        yield base


def api_json(base: str, path: str) -> dict:
    """The JSON answer of `path` on a running server."""
    with urllib.request.urlopen(base + path) as r:
        return json.loads(r.read())


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
