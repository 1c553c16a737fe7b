"""The `tidemark` command."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import typer

app = typer.Typer(help="Tidemark: who controls which town, day by day, with sources.",
                  no_args_is_help=True, add_completion=False)


LARGE_LOAD_BYTES = 1_000_000  # events.csv above this (~5,000 events) gets a progress bar


@contextmanager
def _load_progress():
    """A progress bar on stderr, one row per step of the load (read, events, derive, periods)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        tasks: dict[str, int] = {}

        def update(what: str, done: int, total: int) -> None:
            label = {"read": "read and check files"}.get(what, what)
            if what not in tasks:
                tasks[what] = bar.add_task(label, total=total)
            bar.update(tasks[what], completed=done, total=total)
        yield update


@app.command()
def load(data_dir: Path = typer.Argument(Path("data"), help="the data directory to load")) -> None:
    """Apply the migrations, validate every file of DATA_DIR and load it in one transaction."""
    from .db import get_engine
    from .loader import LoadError, load_directory, migrate

    engine = get_engine()
    migrate(engine)
    events_csv = data_dir / "events.csv"
    large = events_csv.is_file() and events_csv.stat().st_size > LARGE_LOAD_BYTES
    try:
        if large:
            with _load_progress() as progress:
                report = load_directory(data_dir, engine, progress=progress)
        else:
            report = load_directory(data_dir, engine)
    except LoadError as exc:
        for line in exc.errors:
            typer.echo(line, err=True)
        typer.echo(f"{len(exc.errors)} error(s): nothing was loaded.", err=True)
        raise typer.Exit(1)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    typer.echo(f"loaded {data_dir}: {counts}")
    _warm_basemap(engine)


def _warm_basemap(engine) -> None:
    """Cut the offline basemap for the loaded places now, so the server's first page needn't."""
    from . import basemap

    if not basemap.warm(engine):
        typer.echo("offline basemap not installed (npm ci): the map will show tiles only", err=True)


@app.command()
def serve(host: str = typer.Option(None, help="interface (default: settings HOST)"),
          port: int = typer.Option(None, help="port (default: settings PORT)"),
          workers: int = typer.Option(1, min=1, max=64,
                                      help="worker processes; 1 (the default) suits a laptop, "
                                           "one per core for a busy server"),
          log_level: str = typer.Option("info", help="uvicorn log level (warning: no access log)")) -> None:
    """Serve the dashboard and the API."""
    import uvicorn

    from .config import get_settings

    settings = get_settings()
    uvicorn.run("app.main:app", host=host or settings.host, port=port or settings.port,
                workers=workers, proxy_headers=False, log_level=log_level)


from .extract.cli import register as _register_extract  # noqa: E402  (extract, ingest, review, eval)

_register_extract(app)


def main() -> None:
    app()
