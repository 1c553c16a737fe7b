"""Place search by name, in any of a place's names and scripts (pure functions).

"حلب", "Алепо", "Halep" and "aleppo" all find Aleppo: the query and every name are folded
(Unicode NFKD, combining marks dropped, so "İdlib" = "idlib" and "إدلب" = "ادلب"; case folded;
Arabic tatweel and the Greek final sigma normalised) and a name matches when it contains the
query. Matches rank exact name first, then a name that starts with the query, then the rest;
within a rank the more populous place comes first.
"""
from __future__ import annotations

import unicodedata

MAX_QUERY = 100  # characters; a longer `q` is a 422


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and c != "\u0640")
    return " ".join(kept.casefold().replace("ς", "σ").split())


def place_names(place) -> list[str]:
    """Every name of a place: its display name, its names per language and its aliases ("ar:حلب")."""
    names = [place.name, *(place.names or {}).values()]
    names += [a.split(":", 1)[1] if ":" in a[:4] else a for a in (place.aliases or [])]
    return [n for n in names if n]


def rank(names: list[str], query: str) -> int | None:
    """0: a name equals the query, 1: a name starts with it, 2: contains it; None: no match."""
    q = fold(query)
    return _rank_folded([fold(name) for name in names], q) if q else None


def _rank_folded(names, q: str) -> int | None:
    """`rank` of names and a query already folded."""
    best = None
    for n in names:
        r = 0 if n == q else 1 if n.startswith(q) else 2 if q in n else None
        if r is not None and (best is None or r < best):
            best = r
    return best


def search(places, query: str) -> list[str]:
    """Ids of the places one of whose names matches `query`, best first."""
    return search_index(index(places), query)


def index(places) -> list[tuple[str, int, tuple[str, ...]]]:
    """(id, population, folded names) of each place: what `search_index` reads, folded once."""
    return [(p.id, p.population or 0, tuple(dict.fromkeys(fold(n) for n in dict.fromkeys(place_names(p)))))
            for p in places]


def search_index(rows, query: str) -> list[str]:
    """`search` over an `index` of the places: the same answer, without folding their names again."""
    q = fold(query)
    if not q:
        return []
    hits = []
    for pid, population, names in rows:
        best = _rank_folded(names, q)
        if best is not None:
            hits.append((best, -population, pid))
    return [pid for _, _, pid in sorted(hits)]
