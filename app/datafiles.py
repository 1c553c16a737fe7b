"""Reading and validating the files of a data directory: pure, no database.

`read_dataset(path)` returns a Dataset and a list of errors, each `file:line: what is wrong`.
A dataset with errors must not be loaded.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from sys import intern
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import yaml

from .models import COALITIONS, EVENT_TYPES, PLACE_KINDS, PRECISIONS

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
URL = re.compile(r"^https?://\S+$")
# libyaml when present (same results as the pure-Python loader, ~20x faster on many articles)
BASE_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
REPORT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SUMMARY_MAX = 300  # a report's summary is one line in our own words, never a copied passage
NO_CONTROL_TYPES = {"airstrike", "protest", "encirclement"}

COLUMNS = {
    "sides.csv": ["code", "name", "short_name", "colour", "coalition", "description"],
    "places.csv": ["id", "name", "names", "lat", "lon", "coord_source", "kind", "governorate",
                   "population", "population_source", "notes"],
    "baseline.csv": ["place", "date", "side", "reference_url", "note"],
    "events.csv": ["id", "date", "date_precision", "place", "type", "actor", "control",
                   "article", "quote", "summary"],
    "reports.csv": ["id", "outlet", "title", "url", "published", "language", "summary", "notes"],
}
# Columns a file may add after its required ones, in this order (files without them still load).
OPTIONAL_COLUMNS = {
    "sides.csv": ["names", "short_names"],  # other languages' names, `lang:name|…` as places.csv's `names`
}
ARTICLE_KEYS = ["id", "title", "outlet", "language", "published"]


@dataclass
class Dataset:
    conflict: dict[str, Any] = field(default_factory=dict)
    sides: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    baseline: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)  # cited reports: metadata, no text
    events: list[dict[str, Any]] = field(default_factory=list)


def content_hash(text: str) -> str:
    """SHA-256 of an article's text: the same text from data/ or from ingest has one hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Errors(list):
    def add(self, where: str, line: int, message: str) -> None:
        self.append(f"{where}:{line}: {message}")


def parse_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return _parse_date_text(str(value).strip())


@lru_cache(maxsize=4096)  # a large events.csv repeats a few hundred dates
def _parse_date_text(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"{text!r} is not a date in YYYY-MM-DD form")
    return date.fromisoformat(text)  # raises ValueError for impossible dates


def parse_names(value: str) -> list[tuple[str, str]]:
    """`ar:حلب|bg:Алепо|en:Halab` -> [("ar", "حلب"), ("bg", "Алепо"), ("en", "Halab")].

    A language may appear more than once: the first spelling is its display name,
    the others are aliases (for the gazetteer).
    """
    pairs: list[tuple[str, str]] = []
    for part in filter(None, (p.strip() for p in value.split("|"))):
        lang, sep, name = part.partition(":")
        lang, name = lang.strip(), name.strip()
        if not sep or not LANG.match(lang) or not name:
            raise ValueError(f"name {part!r} is not of the form lang:name")
        pairs.append((lang, name))
    return pairs


def display_names(pairs: list[tuple[str, str]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for lang, name in pairs:
        names.setdefault(lang, name)
    return names


def split_front_matter(raw: str) -> tuple[dict[str, Any], str, int]:
    """Front matter (between `---` lines at the top) and the text after it, verbatim."""
    if not raw.startswith("---\n"):
        raise ValueError("no front matter: the file must start with a '---' line")
    end = raw.find("\n---\n", 3)
    if end < 0:
        raise ValueError("front matter is not closed by a '---' line")
    # BaseLoader: every value stays a string, so dates are checked (and reported) by us.
    meta = yaml.load(raw[4:end + 1], Loader=BASE_LOADER) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping of keys to values")
    body = raw[end + 5:]
    return meta, body, raw[: end + 5].count("\n")


def read_csv(path: Path, name: str, errors: Errors) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with the line each starts on; header problems are errors.

    A generator: a large events.csv is never held as a list of raw rows beside the checked ones.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        errors.add(str(path), 0, "file is missing")
        return
    except UnicodeDecodeError as exc:
        errors.add(str(path), 0, f"not UTF-8 ({exc.reason} at byte {exc.start})")
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        errors.add(str(path), 1, "file is empty: a header row is required")
        return
    expected, optional = COLUMNS[name], OPTIONAL_COLUMNS.get(name, [])
    found = [h.strip() for h in header]
    if found[:len(expected)] != expected or found[len(expected):] != optional[:len(found) - len(expected)]:
        extra = f" (optionally followed by {','.join(optional)})" if optional else ""
        errors.add(str(path), 1, f"header must be {','.join(expected)}{extra}")
        return
    missing = dict.fromkeys(optional[len(found) - len(expected):], "")
    expected = found
    start = reader.line_num + 1
    try:
        for values in reader:
            line = start
            start = reader.line_num + 1
            if not "".join(values).strip():
                continue
            if len(values) != len(expected):
                errors.add(str(path), line, f"expected {len(expected)} columns, found {len(values)}")
                continue
            yield line, {**dict(zip(expected, map(str.strip, values))), **missing}
    except csv.Error as exc:
        errors.add(str(path), reader.line_num, f"CSV syntax error: {exc}")


def _read_conflict(path: Path, errors: Errors) -> dict[str, Any]:
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        errors.add(where, 0, "file is missing")
        return {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        errors.add(where, line, f"YAML syntax error: {exc}")
        return {}
    out: dict[str, Any] = {}
    for key in ("id", "title"):
        if not str(data.get(key) or "").strip():
            errors.add(where, 1, f"'{key}' is required")
        out[key] = str(data.get(key) or "").strip()
    for key in ("long_title", "description", "native_language"):
        out[key] = str(data.get(key) or "").strip()
    out["translations"] = {}
    translations = data.get("translations") or {}
    if not isinstance(translations, dict):
        errors.add(where, 1, "'translations' must map a language code to title, long_title and description")
        translations = {}
    for lang, texts in translations.items():
        if not LANG.match(str(lang)) or not isinstance(texts, dict) \
                or not set(texts) <= {"title", "long_title", "description"}:
            errors.add(where, 1, f"'translations': {str(lang)[:20]!r} must be a language code mapping to "
                                 "title, long_title and description")
            continue
        out["translations"][str(lang)] = {k: str(v).strip() for k, v in texts.items() if str(v or "").strip()}
    for key in ("baseline_date", "start", "end"):
        try:
            out[key] = parse_date(data.get(key))
        except (ValueError, TypeError) as exc:
            errors.add(where, 1, f"'{key}': {exc}")
    if "start" in out and "end" in out and out["start"] > out["end"]:
        errors.add(where, 1, "'start' is after 'end'")
    view = data.get("map") or {}
    try:
        out["map_lat"], out["map_lon"] = float(view["lat"]), float(view["lon"])
        out["map_zoom"] = int(view.get("zoom", 6))
        if not (-90 <= out["map_lat"] <= 90 and -180 <= out["map_lon"] <= 180 and 0 <= out["map_zoom"] <= 19):
            raise ValueError
    except (KeyError, TypeError, ValueError):
        errors.add(where, 1, "'map' needs lat (-90..90), lon (-180..180) and zoom (0..19)")
    return out


def _read_sides(path: Path, errors: Errors) -> list[dict[str, Any]]:
    out, seen = [], set()
    for pos, (line, row) in enumerate(read_csv(path, "sides.csv", errors)):
        where = str(path)
        ok = True
        if not SLUG.match(row["code"]):
            errors.add(where, line, f"code {row['code']!r} must be a lowercase slug"); ok = False
        elif row["code"] in seen or row["code"] == "contested":
            errors.add(where, line, f"code {row['code']!r} is used twice or reserved"); ok = False
        if not row["name"]:
            errors.add(where, line, "name is required"); ok = False
        translated = {}
        for column in ("names", "short_names"):
            try:
                translated[column] = display_names(parse_names(row[column]))
            except ValueError as exc:
                errors.add(where, line, f"{column}: {exc}"); ok = False
        if not COLOUR.match(row["colour"]):
            errors.add(where, line, f"colour {row['colour']!r} must be #rrggbb"); ok = False
        if row["coalition"] not in COALITIONS:
            errors.add(where, line, f"coalition {row['coalition']!r} must be one of {', '.join(COALITIONS)}"); ok = False
        seen.add(row["code"])
        if ok:
            out.append({**row, **translated, "short_name": row["short_name"] or row["name"], "position": pos})
    return out


def _id_problems(row_id: str, seen: set[str]) -> list[str]:
    """A row id must be a slug, used once (`seen` collects the ids so far)."""
    problems = []
    if not SLUG.match(row_id):
        problems.append(f"id {row_id!r} must be a lowercase slug")
    elif row_id in seen:
        problems.append(f"id {row_id!r} is used twice")
    seen.add(row_id)
    return problems


def _read_places(path: Path, errors: Errors, native: str) -> list[dict[str, Any]]:
    out, seen = [], set()
    for line, row in read_csv(path, "places.csv", errors):
        where = str(path)
        problems = []
        problems += _id_problems(row["id"], seen)
        if not row["name"]:
            problems.append("name is required")
        try:
            pairs = parse_names(row["names"])
            names = display_names(pairs)
            if native and native not in names:
                problems.append(f"names must include the native language '{native}'")
        except ValueError as exc:
            pairs, names = [], {}
            problems.append(str(exc))
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
            if not (-90 <= lat <= 90) or not (-180 <= lon <= 180) or lat != lat or lon != lon:
                raise ValueError
        except ValueError:
            lat = lon = 0.0
            problems.append(f"lat/lon {row['lat']!r},{row['lon']!r} are not valid coordinates")
        if row["kind"] not in PLACE_KINDS:
            problems.append(f"kind {row['kind']!r} must be one of {', '.join(PLACE_KINDS)}")
        population = None
        if row["population"]:
            try:
                population = int(row["population"])
                if population < 0:
                    raise ValueError
            except ValueError:
                problems.append(f"population {row['population']!r} is not a whole number")
        for p in problems:
            errors.add(where, line, p)
        if not problems:
            out.append({**row, "names": names, "aliases": [f"{k}:{v}" for k, v in pairs],
                        "lat": lat, "lon": lon, "population": population})
    return out


def _read_baseline(path: Path, errors: Errors, places: set[str], sides: set[str],
                   baseline_date: date | None) -> list[dict[str, Any]]:
    out, seen = [], set()
    for line, row in read_csv(path, "baseline.csv", errors):
        where = str(path)
        problems = []
        if row["place"] not in places:
            problems.append(f"place {row['place']!r} is not in places.csv")
        elif row["place"] in seen:
            problems.append(f"place {row['place']!r} has two baseline rows")
        seen.add(row["place"])
        if row["side"] not in sides:
            problems.append(f"side {row['side']!r} is not in sides.csv")
        try:
            day = parse_date(row["date"])
            if baseline_date and day != baseline_date:
                problems.append(f"date {row['date']} is not the conflict's baseline_date {baseline_date}")
        except ValueError as exc:
            day = None
            problems.append(f"date: {exc}")
        if not URL.match(row["reference_url"]):
            problems.append("reference_url must be an http(s) URL")
        for p in problems:
            errors.add(where, line, p)
        if not problems:
            out.append({"place_id": row["place"], "date": day, "side": row["side"],
                        "reference_url": row["reference_url"], "note": row["note"]})
    return out


def read_article(path: Path, errors: Errors) -> dict[str, Any] | None:
    """One article file: front matter plus verbatim text."""
    where = str(path)
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.add(where, 1, f"not UTF-8 ({exc.reason} at byte {exc.start})")
        return None
    try:
        meta, body, _ = split_front_matter(raw)
    except (ValueError, yaml.YAMLError) as exc:
        errors.add(where, 1, str(exc).replace("\n", " "))
        return None

    def key_line(key: str) -> int:
        m = re.search(rf"^{re.escape(key)}\s*:", raw[: raw.find("\n---\n", 3)], re.M)
        return raw[: m.start()].count("\n") + 1 if m else 1

    problems = []
    for key in ARTICLE_KEYS:
        if not str(meta.get(key) or "").strip():
            problems.append((key_line(key), f"'{key}' is required"))
    art_id = str(meta.get("id") or "")
    if art_id and not ARTICLE_ID.match(art_id):
        problems.append((key_line("id"), f"id {art_id!r} may hold only letters, digits, '-' and '_'"))
    lang = str(meta.get("language") or "")
    if lang and not LANG.match(lang):
        problems.append((key_line("language"), f"language {lang!r} is not an ISO 639 code"))
    published = None
    if meta.get("published"):
        try:
            published = parse_date(meta["published"])
        except ValueError as exc:
            problems.append((key_line("published"), f"published: {exc}"))
    precision = str(meta.get("published_precision") or "day")
    if precision not in PRECISIONS:
        problems.append((key_line("published_precision"), f"published_precision must be one of {', '.join(PRECISIONS)}"))
    url = str(meta.get("url") or "")
    if url and not URL.match(url):
        problems.append((key_line("url"), "url must be empty or an http(s) URL"))
    if not body.strip():
        problems.append((1, "the article has no text"))
    for line, msg in problems:
        errors.add(where, line, msg)
    if problems:
        return None
    return {
        "id": art_id, "title": str(meta["title"]).strip(), "outlet": str(meta["outlet"]).strip(),
        "language": lang, "published": published, "published_precision": precision, "url": url,
        "notes": str(meta.get("notes") or "").strip(), "seed_file": str(meta.get("seed_file") or ""),
        "text": body, "content_hash": content_hash(body),
    }


def _read_reports(folder: Path, errors: Errors, taken: dict[str, str]) -> list[dict[str, Any]]:
    """Every `reports/*.csv`: cited reports (outlet, URL, date, our one-line summary; no text).

    `taken` maps the ids already used (articles) to where; report ids must not repeat them.
    A missing folder means no cited reports.
    """
    out: list[dict[str, Any]] = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.csv")):
        where = str(path)
        for line, row in read_csv(path, "reports.csv", errors):
            problems = []
            rid = row["id"]
            if not REPORT_ID.match(rid):
                problems.append(f"id {rid!r} must be a slug of lowercase letters, digits and '-'")
            elif rid in taken:
                problems.append(f"id {rid!r} is already used by {taken[rid]}")
            else:
                taken[rid] = f"{where}:{line}"
            for key in ("outlet", "summary"):
                if not row[key]:
                    problems.append(f"{key} is required")
            if not URL.match(row["url"]):
                problems.append("url must be an http(s) URL")
            published = None
            try:
                published = parse_date(row["published"])
            except ValueError as exc:
                problems.append(f"published: {exc}")
            if not LANG.match(row["language"]):
                problems.append(f"language {row['language']!r} must be an ISO 639-1 code such as en or ar")
            if len(row["summary"]) > SUMMARY_MAX or "\n" in row["summary"]:
                problems.append(f"summary must be one line of at most {SUMMARY_MAX} characters, "
                                "in our own words (no copied passages)")
            for p in problems:
                errors.add(where, line, p)
            if not problems:
                out.append({
                    "id": rid, "kind": "report", "title": row["title"] or f"[report by {row['outlet']}]",
                    "outlet": row["outlet"], "language": row["language"], "published": published,
                    "published_precision": "day", "url": row["url"], "summary": row["summary"],
                    "notes": row["notes"], "seed_file": "", "text": "", "content_hash": "",
                })
    return out


def _read_events(path: Path, errors: Errors, places: set[str], sides: set[str],
                 articles: dict[str, dict[str, Any]],
                 reports: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """events.csv; `article` names an archived article (verbatim quote required) or a cited
    report (quote empty, summary required)."""
    reports = reports or {}
    out, seen = [], set()
    for line, row in read_csv(path, "events.csv", errors):
        where = str(path)
        problems = []
        problems += _id_problems(row["id"], seen)
        try:
            day = parse_date(row["date"])
        except ValueError as exc:
            day = None
            problems.append(f"date: {exc}")
        if row["date_precision"] not in PRECISIONS:
            problems.append(f"date_precision {row['date_precision']!r} must be one of {', '.join(PRECISIONS)}")
        if row["place"] not in places:
            problems.append(f"place {row['place']!r} is not in places.csv")
        if row["type"] not in EVENT_TYPES:
            problems.append(f"type {row['type']!r} must be one of {', '.join(EVENT_TYPES)}")
        if row["actor"] and row["actor"] not in sides:
            problems.append(f"actor {row['actor']!r} is not in sides.csv")
        control = row["control"] or None
        if control and control != "contested" and control not in sides:
            problems.append(f"control {control!r} must be a side code, 'contested' or empty")
        if control and row["type"] in NO_CONTROL_TYPES:
            problems.append(f"a {row['type']} never changes control: leave control empty")
        if control and control != "contested" and row["type"] in ("entry", "clashes"):
            problems.append(f"an {row['type']} can only make a place 'contested'")
        if control == "contested" and row["type"] not in ("entry", "clashes"):
            problems.append("only an entry or clashes inside a place make it 'contested'")
        article = articles.get(row["article"])
        start = -1
        if article is None and row["article"] in reports:
            start = 0
            if row["quote"]:
                problems.append(f"quote must be empty: {row['article']} is a cited report, "
                                "not an archived article (put our own words in summary)")
            if not row["summary"]:
                problems.append("summary is required for an event citing a report")
        elif article is None:
            problems.append(f"article {row['article']!r} is not in articles/ nor in reports/")
        elif not row["quote"]:
            problems.append("quote is required")
        else:
            start = article["text"].find(row["quote"])
            if start < 0:
                problems.append(f"quote does not occur verbatim in article {row['article']}: {row['quote'][:60]!r}")
        for p in problems:
            errors.add(where, line, p)
        if not problems:
            out.append({
                "id": row["id"], "date": day, "date_precision": row["date_precision"],
                # repeated values share one string: 100,000 events hold a few thousand
                "place_id": intern(row["place"]), "type": intern(row["type"]),
                "actor": intern(row["actor"]) if row["actor"] else None,
                "control": intern(control) if control else None,
                "article_id": intern(row["article"]), "quote": row["quote"],
                "quote_start": start, "quote_end": start + len(row["quote"]) if row["quote"] else 0,
                "summary": row["summary"], "status": "accepted",
            })
    return out


def read_dataset(root: Path) -> tuple[Dataset, list[str]]:
    """Read and validate every file of a data directory."""
    errors = Errors()
    ds = Dataset()
    if not root.is_dir():
        errors.add(str(root), 0, "is not a directory")
        return ds, errors
    ds.conflict = _read_conflict(root / "conflict.yaml", errors)
    ds.sides = _read_sides(root / "sides.csv", errors)
    ds.places = _read_places(root / "places.csv", errors, ds.conflict.get("native_language", ""))
    place_ids = {p["id"] for p in ds.places}
    side_codes = {s["code"] for s in ds.sides}
    ds.baseline = _read_baseline(root / "baseline.csv", errors, place_ids, side_codes,
                                 ds.conflict.get("baseline_date"))
    seen: dict[str, Path] = {}
    for path in sorted((root / "articles").glob("*.txt")):
        art = read_article(path, errors)
        if art is None:
            continue
        if art["id"] in seen:
            errors.add(str(path), 1, f"id {art['id']!r} is already used by {seen[art['id']]}")
            continue
        seen[art["id"]] = path
        ds.articles.append(art)
    if not ds.articles and not (root / "articles").is_dir():
        errors.add(str(root / "articles"), 0, "directory is missing")
    ds.reports = _read_reports(root / "reports", errors, {a: str(p) for a, p in seen.items()})
    ds.events = _read_events(root / "events.csv", errors, place_ids, side_codes,
                             {a["id"]: a for a in ds.articles}, {r["id"]: r for r in ds.reports})
    return ds, list(errors)
