"""`tidemark review`: a person accepts, corrects or rejects proposed events.

Accepted events are written back to the data directory so the dataset stays
reproducible from files: the article goes to `articles/<id>.txt` (front matter + the
stored text, verbatim) if it is not there yet, and the event is appended to
`events.csv`. Files are replaced atomically (write a temporary file, then rename).
The database row changes status in the same step and the control periods are rebuilt.

Proposals come highest confidence first, each with its sentence highlighted among the
sentences around it; one key decides (a/c/r/s/q). Every decision (accept, correct, reject)
is appended to `corrections.jsonl` in the data directory: the proposal's fields, the
corrected fields, and where the sentence is (article id, content hash, character offsets),
never the sentence itself. `export_training` joins those offsets with the stored article
text into training pairs on the user's own machine.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..datafiles import COLUMNS
from ..loader import rebuild_periods
from ..models import EVENT_TYPES, PRECISIONS, Article, Event, Place, Side

Ask = Callable[[str, str], str]  # (prompt, default) -> answer
Say = Callable[[str], None]
Key = Callable[[str], str]  # (prompt) -> one key, lower-case ("" at end of input)

CORRECTIONS = "corrections.jsonl"
KEYS = ("a", "c", "r", "s", "q")
DECISIONS = {"a": "accepted", "c": "corrected", "r": "rejected"}
PROPOSAL_FIELDS = ("place_id", "date", "date_precision", "type", "actor", "control", "confidence", "summary")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)


def article_file_text(a: Article) -> str:
    meta = {"id": a.id, "title": a.title, "outlet": a.outlet or "unknown", "language": a.language,
            "published": a.published.isoformat(), "published_precision": a.published_precision,
            "url": a.url or "", "seed_file": a.seed_file or "",
            "notes": (a.notes + "; " if a.notes else "") + "accepted in `tidemark review`"}
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + a.text


def write_back(data_dir: Path, article: Article, event: Event) -> None:
    art_dir = data_dir / "articles"
    art_dir.mkdir(parents=True, exist_ok=True)
    existing = {p.stem for p in art_dir.glob("*.txt")}
    if article.id not in existing:
        _atomic_write(art_dir / f"{article.id}.txt", article_file_text(article))
    events_path = data_dir / "events.csv"
    old = events_path.read_text(encoding="utf-8") if events_path.exists() else ""
    if not old.strip():
        old = ",".join(COLUMNS["events.csv"]) + "\n"
    elif not old.endswith("\n"):
        old += "\n"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([
        event.id, event.date.isoformat(), event.date_precision, event.place_id, event.type,
        event.actor or "", event.control or "", event.article_id, event.quote, event.summary])
    _atomic_write(events_path, old + buf.getvalue())


def _correct(ev: Event, session: Session, ask: Ask, say: Say) -> bool:
    places = set(session.exec(select(Place.id)).scalars())
    sides = set(session.exec(select(Side.code)).scalars())
    while True:
        place = ask("place id", ev.place_id).strip()
        if place in places:
            break
        say(f"  unknown place {place!r}: use an id from data/places.csv")
    while True:
        try:
            day = date.fromisoformat(ask("date (YYYY-MM-DD)", ev.date.isoformat()).strip())
            break
        except ValueError:
            say("  not a date in YYYY-MM-DD form")
    precision = _choice(ask, say, "date precision", ev.date_precision, PRECISIONS)
    etype = _choice(ask, say, "type", ev.type, EVENT_TYPES)
    actor = _choice(ask, say, "acting side (code, or - for none)", ev.actor or "-", tuple(sides) + ("-",))
    control = _choice(ask, say, "control implied (side code, contested, or - for none)",
                      ev.control or "-", tuple(sides) + ("contested", "-"))
    summary = ask("one-line English summary", ev.summary).strip() or ev.summary
    ev.place_id, ev.date, ev.date_precision, ev.type = place, day, precision, etype
    ev.actor = None if actor == "-" else actor
    ev.control = None if control == "-" else control
    ev.summary = summary
    return True


def _choice(ask: Ask, say: Say, prompt: str, default: str, allowed) -> str:
    while True:
        value = ask(prompt, default).strip()
        if value in allowed:
            return value
        say(f"  must be one of: {', '.join(sorted(allowed))}")


def _fields(ev: Event) -> dict:
    out = {}
    for f in PROPOSAL_FIELDS:
        v = getattr(ev, f)
        out[f] = v.isoformat() if isinstance(v, date) else v
    return out


def log_decision(data_dir: Path, decision: str, proposal: dict, ev: Event, article: Article,
                 seconds: float) -> dict:
    """Append one line to `corrections.jsonl` (created if missing; never rewritten)."""
    entry = {
        "decision": decision,
        "event_id": ev.id,
        "proposal": proposal,
        "corrected": _fields(ev) if decision == "corrected" else None,
        "article_id": article.id,
        "content_hash": article.content_hash,
        "quote_start": ev.quote_start,
        "quote_end": ev.quote_end,
        "language": article.language,
        "decided_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / CORRECTIONS, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return entry


def context(article: Article, start: int, end: int, around: int = 1) -> tuple[str, str, str]:
    """(before, sentence, after): the quoted span and up to `around` sentences either side."""
    from .text import sentences

    sents = sentences(article.text)
    idx = [i for i, s in enumerate(sents) if s.end > start and s.start < end]
    if idx:
        lo = sents[max(0, idx[0] - around)].start
        hi = sents[min(len(sents) - 1, idx[-1] + around)].end
    else:
        lo, hi = start, end
    lo, hi = min(lo, start), max(hi, end)
    flat = lambda t: re.sub(r"\s+", " ", t)  # noqa: E731
    return flat(article.text[lo:start]).lstrip(), flat(article.text[start:end]), flat(article.text[end:hi]).rstrip()


def describe(ev: Event, article: Article, place: Place | None, highlight: Callable[[str], str] | None = None,
             position: str = "") -> str:
    name = place.name if place else ev.place_id
    before, sent, after = context(article, ev.quote_start, ev.quote_end)
    mark = highlight or (lambda t: f"»{t}«")
    conf = "-" if ev.confidence is None else f"{ev.confidence:.2f}"
    return (f"\n{position}[{ev.id}] confidence {conf}  {ev.date} ({ev.date_precision})  {ev.type} at {name}"
            f"  side={ev.actor or '-'}  control={ev.control or '-'}\n"
            f"  article: {article.title} ({article.language}, {article.published})\n"
            f"  {before} {mark(sent)} {after}".rstrip())


def read_key(prompt: str) -> str:
    """One key from the terminal without Enter (stdin must be a TTY)."""
    import termios
    import tty

    sys.stdout.write(prompt + " ")
    sys.stdout.flush()
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        ch = sys.stdin.read(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
    sys.stdout.write((ch if ch.isprintable() else "") + "\n")
    return "q" if ch in ("\x03", "\x04", "") else ch.lower()


def review(engine: Engine, data_dir: Path, ask: Ask, say: Say, limit: int | None = None,
           key: Key | None = None, highlight: Callable[[str], str] | None = None) -> dict[str, int]:
    """Review proposed events, highest confidence first.

    `key` reads one decision key (single keystroke on a terminal); without it the
    decision is read as a line through `ask`, so tests and pipes can drive it.
    """
    counts = {"accepted": 0, "corrected": 0, "rejected": 0, "skipped": 0}
    with Session(engine) as session:
        ids = list(session.exec(select(Event.id).where(Event.status == "proposed")
                                .order_by(Event.confidence.is_(None), Event.confidence.desc(),
                                          Event.article_id, Event.date, Event.id)).scalars())
    if not ids:
        say("No proposed events to review.")
        return counts
    say(f"{len(ids)} proposed event(s), highest confidence first. For each: a = accept, "
        f"c = correct then accept, r = reject, s = skip, q = quit.")
    prompt = "accept / correct / reject / skip / quit [a/c/r/s/q]"
    for n, eid in enumerate(ids):
        if limit is not None and n >= limit:
            break
        with Session(engine) as session:
            ev = session.get(Event, eid)
            if ev is None or ev.status != "proposed":
                continue
            article = session.get(Article, ev.article_id)
            say(describe(ev, article, session.get(Place, ev.place_id), highlight, f"{n + 1}/{len(ids)} "))
            shown = time.monotonic()
            answer = ""
            while answer not in KEYS:
                raw = key(prompt) if key else ask(prompt, "s")
                if raw == "" and key:  # end of input
                    raw = "q"
                answer = raw.strip().lower()[:1]
            if answer == "q":
                break
            if answer == "s":
                counts["skipped"] += 1
                continue
            proposal = _fields(ev)
            try:
                if answer == "r":
                    ev.status = "rejected"
                else:
                    if answer == "c":
                        _correct(ev, session, ask, say)
                    ev.status = "accepted"
                    session.flush()
                    write_back(data_dir, article, ev)
                rebuild_periods(session)
                session.commit()
            except Exception:
                session.rollback()
                raise
            counts[DECISIONS[answer]] += 1
            log_decision(data_dir, DECISIONS[answer], proposal, ev, article, time.monotonic() - shown)
    say(f"accepted {counts['accepted']}, corrected {counts['corrected']}, "
        f"rejected {counts['rejected']}, skipped {counts['skipped']}")
    return counts


def export_training(data_dir: Path, engine: Engine, out) -> dict[str, int]:
    """Join `corrections.jsonl` with the stored article texts into training pairs (JSONL).

    One pair per decision: the sentence and its neighbours, the place, and the label a
    person gave (the corrected fields; the proposal's for an accept; `none` for a reject,
    i.e. the proposal was wrong). A line whose article is gone or whose text no longer has
    the logged content hash is skipped and counted. The pairs contain article text: they
    stay on the user's machine.
    """
    from ..datafiles import content_hash

    counts = {"pairs": 0, "missing_article": 0, "changed_text": 0, "bad_line": 0}
    path = data_dir / CORRECTIONS
    if not path.exists():
        return counts
    with Session(engine) as session:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                e = json.loads(line)
                art = session.get(Article, e["article_id"])
            except (ValueError, KeyError, TypeError):
                counts["bad_line"] += 1
                continue
            if art is None:
                counts["missing_article"] += 1
                continue
            if content_hash(art.text) != e["content_hash"]:
                counts["changed_text"] += 1
                continue
            before, sent, after = context(art, e["quote_start"], e["quote_end"])
            label = e["corrected"] if e["decision"] == "corrected" else e["proposal"]
            out.write(json.dumps({
                "language": e["language"], "sentence": sent, "before": before, "after": after,
                "decision": e["decision"], "proposal": e["proposal"],
                "label": None if e["decision"] == "rejected" else label,
            }, ensure_ascii=False) + "\n")
            counts["pairs"] += 1
    return counts
