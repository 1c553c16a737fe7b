"""Script detection, normalisation and tokenisation shared by every matcher.

Matching works on normalised tokens: case-folded, diacritics removed, Arabic letter
variants unified, apostrophes dropped. Offsets always point into the original text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

TOKEN = re.compile(r"[^\W_]+(?:['’ʼʿ‘`][^\W_]+)*")
APOSTROPHES = "'’ʼʿ‘`"
_APOS_RE = re.compile(f"[{APOSTROPHES}]")
_ARABIC_MAP = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None, "ٱ": "ا", "ﻻ": "لا"})
# the soft sign comes and goes in transliterations (Хальфая / Халфая, Тальбиса / Талбиса)
_OTHER_MAP = str.maketrans({"ı": "i", "ł": "l", "ß": "ss", "ø": "o", "đ": "d", "æ": "ae", "ь": None})
ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف", "ك")


@lru_cache(maxsize=8192)
def script_of_char(ch: str) -> str | None:
    o = ord(ch)
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFEFF:
        return "arabic"
    if 0x0400 <= o <= 0x052F:
        return "cyrillic"
    if 0x0370 <= o <= 0x03FF or 0x1F00 <= o <= 0x1FFF:
        return "greek"
    if ch.isalpha() and o < 0x0250 or 0x1E00 <= o <= 0x1EFF:
        return "latin"
    return None


def script_of(text: str) -> str:
    """The dominant script of `text`: latin, arabic, cyrillic, greek or other."""
    counts: dict[str, int] = {}
    for ch in text[:400]:
        s = script_of_char(ch)
        if s:
            counts[s] = counts.get(s, 0) + 1
    return max(counts, key=counts.get) if counts else "other"


@lru_cache(maxsize=200_000)
def norm(word: str) -> str:
    """Normalised form of one word (or phrase): the key every lexicon and alias uses."""
    w = unicodedata.normalize("NFKD", word.casefold())
    w = "".join(c for c in w if not unicodedata.combining(c))
    w = w.translate(_ARABIC_MAP).translate(_OTHER_MAP)
    return _APOS_RE.sub("", w)


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    raw: str
    key: str  # normalised

    @property
    def capitalised(self) -> bool:
        return self.raw[:1].isupper()


ELISIONS = {"l", "d", "s", "qu", "n", "j", "c", "m", "t", "dell", "all", "dall", "nell", "sull", "un", "po"}


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Word tokens; French/Italian elisions (l'armée, d'Alep, dell'esercito) become two."""
    out = []
    for m in TOKEN.finditer(text):
        word, start = m.group(), m.start() + offset
        head, sep, tail = word.partition("'") if "'" in word else word.partition("’")
        if sep and tail and head.casefold() in ELISIONS:
            out.append(Token(start, start + len(head), head, norm(head)))
            start2 = start + len(head) + 1
            out.append(Token(start2, start2 + len(tail), tail, norm(tail)))
        else:
            out.append(Token(start, start + len(word), word, norm(word)))
    return out


def norm_tokens(phrase: str) -> tuple[str, ...]:
    """A phrase as a tuple of normalised tokens (hyphens and punctuation split words), split
    exactly as `tokenize` splits text: "aéroport d'Alep" -> (aeroport, d, alep)."""
    out = []
    for m in TOKEN.finditer(phrase):
        word = m.group()
        head, sep, tail = word.partition("'") if "'" in word else word.partition("’")
        if sep and tail and head.casefold() in ELISIONS:
            out += [norm(head), norm(tail)]
        else:
            out.append(norm(word))
    return tuple(out)


@lru_cache(maxsize=100_000)
def arabic_variants(key: str) -> tuple[str, ...]:
    """`key` and the forms left after removing one clitic prefix (و ب ل ف ك, ال)."""
    out = [key]
    for p in ARABIC_CLITICS:
        if key.startswith(p) and len(key) - len(p) >= 2:
            rest = key[len(p):]
            out.append(rest)
            if not p.endswith("ال") and rest.startswith("ال") and len(rest) > 4:
                out.append(rest[2:])
    return tuple(dict.fromkeys(out))


def is_arabic(key: str) -> bool:
    return bool(key) and "\u0600" <= key[0] <= "\u06ff"
