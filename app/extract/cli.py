"""The extraction commands of `tidemark`: extract, ingest, review, eval.

Registered on the main Typer app by `register(app)`; heavy imports stay inside the
commands so `tidemark serve` never loads them.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form", param_hint="--published")


def _lang(value: str | None) -> str | None:
    if value is None:
        return None
    from .lexicon import supported_languages

    value = value.strip().lower()
    if value not in supported_languages():
        raise typer.BadParameter(f"{value!r} is not supported; use one of {', '.join(supported_languages())}",
                                 param_hint="--lang")
    return value


def _data_dir(value: Path | None) -> Path:
    if value is not None:
        return value
    from ..config import get_settings

    return Path(get_settings().data_dir)


def register(app: typer.Typer) -> None:
    @app.command()
    def extract(files: list[Path] = typer.Argument(..., help="plain-text or HTML files"),
                published: str = typer.Option(None, "--published", help="publication date YYYY-MM-DD (default: from the file's metadata)"),
                lang: str = typer.Option(None, "--lang", help="the articles' language, ISO 639-1 (default: detected)"),
                as_json: bool = typer.Option(False, "--json", help="print a JSON array of candidate events"),
                data_dir: Path = typer.Option(None, "--data-dir", help="data directory with places.csv and sides.csv")) -> None:
        """Print the candidate events that FILE(s) report, each with its supporting sentence."""
        from .pipeline import extract_bytes, read_file
        from .resources import resources_for
        from .text import InputError

        when, language = _date(published), _lang(lang)
        res = resources_for(str(_data_dir(data_dir)))
        out, failed = [], 0
        for path in files:
            try:
                ex = extract_bytes(read_file(path), str(path), res, when, language)
            except (InputError, OSError) as exc:
                typer.echo(f"{path}: {exc}", err=True)
                failed += 1
                continue
            for c in ex.candidates:
                d = c.as_dict()
                d["file"] = str(path)
                out.append(d)
        if as_json:
            typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            for d in out:
                typer.echo(f"{d['file']}: {d['date']} {d['type']:<12} {d['place']['name']:<24} "
                           f"coalition={d['coalition'] or '-':<10} side={d['side'] or '-':<6} "
                           f"conf={d['confidence']:.2f}  “{d['quote']['text'][:100]}”")
        if failed:
            raise typer.Exit(1)

    @app.command()
    def ingest(paths: list[Path] = typer.Argument(..., help="files or directories of articles"),
               published: str = typer.Option(None, "--published", help="publication date when the files have none"),
               lang: str = typer.Option(None, "--lang", help="the articles' language (default: detected)"),
               data_dir: Path = typer.Option(None, "--data-dir", help="data directory (places, sides)")) -> None:
        """Store articles under their content hash, with their candidate events as proposed."""
        from rich.progress import Progress

        from ..db import get_engine
        from ..loader import migrate
        from .ingest import expand, format_report, ingest_paths
        from .resources import resources_for

        when, language = _date(published), _lang(lang)
        res = resources_for(str(_data_dir(data_dir)))
        engine = get_engine()
        migrate(engine)
        total = len(expand(paths))
        with Progress(transient=True, disable=total < 5) as progress:
            task = progress.add_task("ingesting", total=total)
            report = ingest_paths(paths, engine, res, when, language,
                                  on_progress=lambda _p: progress.advance(task))
        typer.echo(format_report(report))

    @app.command()
    def review(data_dir: Path = typer.Option(None, "--data-dir", help="data directory to write accepted events to"),
               limit: int = typer.Option(None, "--limit", help="review at most this many events")) -> None:
        """Accept, correct or reject proposed events; accepted ones are written to data/."""
        from ..db import get_engine
        from ..loader import migrate
        from .review import review as run_review

        import sys

        from .review import read_key

        engine = get_engine()
        migrate(engine)
        tty = sys.stdin.isatty()
        run_review(engine, _data_dir(data_dir),
                   ask=lambda prompt, default: typer.prompt(prompt, default=default, show_default=True),
                   say=typer.echo, limit=limit,
                   key=read_key if tty else None,  # single keystrokes on a terminal, lines otherwise
                   highlight=(lambda t: typer.style(t, reverse=True, bold=True)) if sys.stdout.isatty() else None)

    @app.command(name="export-corrections")
    def export_corrections(out: Path = typer.Option(..., "--out", help="JSONL file to write training pairs to"),
                           data_dir: Path = typer.Option(None, "--data-dir", help="data directory holding corrections.jsonl")) -> None:
        """Join the reviewers' decisions (corrections.jsonl) with the stored articles into training pairs."""
        from ..db import get_engine
        from ..loader import migrate
        from .review import CORRECTIONS, export_training

        folder = _data_dir(data_dir)
        if not (folder / CORRECTIONS).exists():
            raise typer.BadParameter(f"no {CORRECTIONS} in {folder}", param_hint="--data-dir")
        engine = get_engine()
        migrate(engine)
        with out.open("w", encoding="utf-8") as fh:
            counts = export_training(folder, engine, fh)
        typer.echo(f"{counts['pairs']} training pair(s) written to {out}; skipped: "
                   f"{counts['missing_article']} article(s) not stored, {counts['changed_text']} changed text, "
                   f"{counts['bad_line']} unreadable line(s)")

    @app.command(name="eval")
    def evaluate(data_dir: Path = typer.Option(Path("data"), "--data-dir", help="data directory with articles/ and events.csv")) -> None:
        """Precision and recall of the extractor against the reviewed events, per language."""
        from .evaluate import main as eval_main

        eval_main(str(data_dir))
