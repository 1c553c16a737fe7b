"""Per-language lexicons (YAML files in lexicons/) and the phrase matcher that uses them.

A lexicon entry is a phrase; a word ending in `*` matches any word it begins (a stem).
Arabic words also match after one clitic prefix (و ب ل ف ك ال) is removed.
Sentences are matched with the union of the lexicons written in their script, so an
English tweet quoted in a Bulgarian article is read with the English words.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Hashable

import yaml

from .normalize import Token, arabic_variants, is_arabic, norm_tokens

LEXICON_DIR = Path(__file__).with_name("lexicons")
EVENT_TYPES = ("capture", "entry", "withdrawal", "clashes", "encirclement",
               "airstrike", "protest", "defection")
# `fall` ("fell", "سقوط", "впав") is a capture whose grammatical subject is the loser:
# an actor right next to it ("the regime fell", "سقوط النظام") is not the captor.
# `expel` ("drove the army out of X", "вытеснили") is a capture whose place may follow
# "from"/"out of"; when the one named is the government, it is the government's withdrawal.
TRIGGER_TYPES = EVENT_TYPES + ("fall", "expel", "lose")
MARKERS = ("near", "from", "clause", "after", "holder", "passive", "negation", "irrealis",
           "anaphora", "place_nouns", "against", "relative", "prior", "recap", "partial")


@dataclass(frozen=True)
class Match:
    start: int  # token index
    end: int  # token index, exclusive
    value: Hashable


class PhraseMatcher:
    """Finds lexicon phrases in a token list; longest match first, no overlaps."""

    def __init__(self) -> None:
        self._exact: dict[str, list[tuple[tuple[str, ...], Hashable]]] = defaultdict(list)
        self._prefix: dict[str, list[tuple[tuple[str, ...], Hashable]]] = defaultdict(list)
        self.size = 0

    def add(self, phrase: str, value: Hashable) -> None:
        words = [w for w in phrase.split()]
        stars = [w.endswith("*") for w in words]
        keys = [norm_tokens(w.rstrip("*")) for w in words]
        # a word may normalise into several tokens ("al-Qaim"): spread them out
        pattern: list[str] = []
        for ks, star in zip(keys, stars):
            for i, k in enumerate(ks):
                pattern.append(k + ("*" if star and i == len(ks) - 1 else ""))
        if not pattern:
            return
        first = pattern[0]
        entry = (tuple(pattern), value)
        if first.endswith("*"):
            self._prefix[first[:2]].append(entry)
        else:
            self._exact[first].append(entry)
        self.size += 1

    @staticmethod
    def _word_ok(pat: str, key: str) -> bool:
        if pat.endswith("*"):
            return key.startswith(pat[:-1])
        return key == pat

    def _token_ok(self, pat: str, tok: Token) -> bool:
        if self._word_ok(pat, tok.key):
            return True
        if is_arabic(tok.key):
            return any(self._word_ok(pat, v) for v in arabic_variants(tok.key)[1:])
        return False

    def candidates(self, tok: Token):
        keys = arabic_variants(tok.key) if is_arabic(tok.key) else (tok.key,)
        for k in keys:
            yield from self._exact.get(k, ())
            for pattern, value in self._prefix.get(k[:2], ()):
                if k.startswith(pattern[0][:-1]):
                    yield pattern, value

    def find(self, tokens: list[Token]) -> list[Match]:
        out: list[Match] = []
        i, n = 0, len(tokens)
        while i < n:
            best: Match | None = None
            for pattern, value in self.candidates(tokens[i]):
                m = len(pattern)
                if i + m > n or (best and m <= best.end - best.start):
                    continue
                if all(self._token_ok(pattern[k], tokens[i + k]) for k in range(1, m)):
                    best = Match(i, i + m, value)
            if best:
                out.append(best)
                i = best.end
            else:
                i += 1
        return out


@dataclass
class Lexicon:
    language: str
    script: str
    data: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def load_lexicons(directory: str = str(LEXICON_DIR)) -> dict[str, Lexicon]:
    out = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out[data["language"]] = Lexicon(data["language"], data["script"], data)
    return out


def supported_languages() -> list[str]:
    return sorted(load_lexicons())


@dataclass
class ScriptMatchers:
    """All matchers for one script (union of that script's languages)."""
    triggers: PhraseMatcher
    actors: PhraseMatcher
    markers: PhraseMatcher
    dates: PhraseMatcher
    ambiguous: frozenset[str]
    related: tuple[str, ...]
    comments: frozenset[str]
    newsletter: tuple[str, ...]
    chrome: frozenset[str]


def _phrases(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


@lru_cache(maxsize=8)
def matchers_for(script: str) -> ScriptMatchers:
    lexes = [lx for lx in load_lexicons().values() if lx.script == script]
    triggers, actors, markers, dates = PhraseMatcher(), PhraseMatcher(), PhraseMatcher(), PhraseMatcher()
    ambiguous: set[str] = set()
    related: list[str] = []
    comments: set[str] = set()
    newsletter: list[str] = []
    chrome: set[str] = set()
    for lx in lexes:
        d = lx.data
        for etype, phrases in (d.get("triggers") or {}).items():
            assert etype in TRIGGER_TYPES, f"{lx.language}: unknown trigger type {etype}"
            for p in _phrases(phrases):
                triggers.add(p, etype)
        for coalition, phrases in (d.get("actors") or {}).items():
            for p in _phrases(phrases):
                actors.add(p, ("coalition", coalition))
        for kind, phrases in (d.get("markers") or {}).items():
            assert kind in MARKERS, f"{lx.language}: unknown marker kind {kind}"
            for p in _phrases(phrases):
                markers.add(p, kind)
        dd = d.get("dates") or {}
        for kind, delta in (("today", 0), ("yesterday", -1), ("day_before_yesterday", -2),
                            ("week_ago", -7), ("tomorrow", 1)):
            for p in _phrases(dd.get(kind)):
                dates.add(p, ("rel", delta))
        for i, names in enumerate(dd.get("weekdays") or []):
            for p in _phrases(names):
                dates.add(p, ("weekday", i))
        for i, names in enumerate(dd.get("months") or []):
            for p in _phrases(names):
                dates.add(p, ("month", i + 1))
        ambiguous.update(k for p in _phrases(d.get("ambiguous")) for k in [" ".join(norm_tokens(p))])
        bp = d.get("boilerplate") or {}
        related += [p.casefold() for p in _phrases(bp.get("related")) + _phrases(bp.get("captions"))]
        comments |= {" ".join(norm_tokens(p)) for p in _phrases(bp.get("comments"))}
        newsletter += [p.casefold() for p in _phrases(bp.get("newsletter"))]
        chrome |= {" ".join(norm_tokens(p)) for p in _phrases(bp.get("chrome"))}
    return ScriptMatchers(triggers, actors, markers, dates, frozenset(ambiguous), tuple(related),
                          frozenset(comments), tuple(newsletter), frozenset(chrome))


@lru_cache(maxsize=1)
def all_boilerplate() -> ScriptMatchers:
    """Boilerplate rules of every language together (a page's chrome may be in any of them)."""
    parts = [matchers_for(s) for s in sorted({lx.script for lx in load_lexicons().values()})]
    return ScriptMatchers(
        PhraseMatcher(), PhraseMatcher(), PhraseMatcher(), PhraseMatcher(), frozenset(),
        tuple(p for m in parts for p in m.related),
        frozenset(p for m in parts for p in m.comments),
        tuple(p for m in parts for p in m.newsletter),
        frozenset(p for m in parts for p in m.chrome))
