"""What the container image runs on start (`python3 -m app.startup`, the Dockerfile's CMD).

1. The data directory (DATA_DIR, on the volume in the image) gets a copy of the bundled
   `data/` when it holds no `conflict.yaml` yet, so `tidemark review` can write to it.
2. The database is migrated to the newest schema (an existing one is upgraded in place).
3. LOAD_ON_START decides whether DATA_DIR is loaded:
   `empty` (default): only when the database holds no conflict yet, so a restart keeps the
   database as it is, reviewed and unreviewed events included;
   `always`: on every start (the loader keeps unreviewed events; reviewed ones are in
   DATA_DIR, where `tidemark review` wrote them); `never`: serve the database as it is.
   A failed load leaves the database as it was and stops the start with exit code 1.
4. The offline basemap of the loaded places is cut, once per volume (kept in ~/.cache/tidemark).
5. Serve on HOST:PORT, as `tidemark serve` does.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from .config import ROOT, get_settings

BUNDLED = ROOT / "data"
MODES = ("empty", "always", "never")


def say(message: str) -> None:
    print(f"tidemark start: {message}", flush=True)


def fail(message: str) -> None:
    print(f"tidemark start: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def _writable_dir(path: Path, what: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        fail(f"{what} {path} is not a writable directory for uid {os.getuid()}; "
             f"on the host, `chown {os.getuid()} DIR` the directory mounted there")


def prepare_data_dir(data_dir: Path) -> None:
    """Copy the bundled data into an empty DATA_DIR (the volume's `data/` on first start)."""
    if data_dir.resolve() == BUNDLED.resolve() or (data_dir / "conflict.yaml").exists():
        return
    _writable_dir(data_dir.parent, "the parent of DATA_DIR,")
    if data_dir.exists() and any(data_dir.iterdir()):
        fail(f"DATA_DIR {data_dir} is not empty but has no conflict.yaml")
    shutil.copytree(BUNDLED, data_dir, dirs_exist_ok=True)
    say(f"copied the bundled data to {data_dir}")


def counts(engine) -> dict[str, int]:
    from sqlmodel import Session

    from .models import Conflict, Event
    with Session(engine) as session:
        rows = session.execute(select(Event.status, func.count()).group_by(Event.status)).all()
        result = {status: n for status, n in rows}
        result["conflicts"] = session.execute(select(func.count()).select_from(Conflict)).scalar_one()
    return result


def current_revision(engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def prepare(mode: str | None = None) -> None:
    """Steps 1-4 of the module's docstring."""
    from .db import get_engine
    from .loader import LoadError, load_directory, migrate

    settings = get_settings()
    mode = mode or os.environ.get("LOAD_ON_START", "empty")
    if mode not in MODES:
        fail(f"LOAD_ON_START must be one of {', '.join(MODES)}, not {mode!r}")
    data_dir = Path(settings.data_dir)
    prepare_data_dir(data_dir)

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        db_file = Path(url.database)
        _writable_dir(db_file.parent, "the database directory")
        if db_file.exists() and not os.access(db_file, os.W_OK):
            fail(f"the database {db_file} is not writable for uid {os.getuid()}")

    engine = get_engine()
    before = current_revision(engine)
    migrate(engine)
    after = current_revision(engine)
    if before is None:
        say(f"created the database schema (revision {after})")
    elif before != after:
        say(f"migrated the database from revision {before} to {after}")
    else:
        say(f"the database schema is up to date (revision {after})")

    held = counts(engine)
    if mode == "always" or (mode == "empty" and not held["conflicts"]):
        try:
            report = load_directory(data_dir, engine)
        except LoadError as exc:
            for line in exc.errors:
                print(line, file=sys.stderr)
            fail(f"{len(exc.errors)} error(s) in {data_dir}: nothing was loaded")
        say(f"loaded {data_dir}: " + ", ".join(f"{v} {k}" for k, v in report.counts.items()))
    else:
        say(f"kept the database ({held.get('accepted', 0)} reviewed events, "
            f"{held.get('proposed', 0)} unreviewed; LOAD_ON_START={mode})")
    from . import basemap

    if not basemap.warm(engine):  # cut once per volume (it is kept in ~/.cache/tidemark)
        say("offline basemap not installed: the map will show TILE_URL's tiles only")


def main() -> None:
    prepare()
    import uvicorn
    settings = get_settings()
    uvicorn.run("app.main:app", host=settings.host, port=settings.port,
                proxy_headers=False, log_level="info")


if __name__ == "__main__":
    main()
