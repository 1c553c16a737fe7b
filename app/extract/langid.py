"""Offline language identification: the script first, then lingua among that script's languages.

Lingua (a PyPI package with its models inside) is imported lazily and each detector is
built once, restricted to the languages we have lexicons for, so detection stays fast
and `tidemark serve` never pays for it.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

from .lexicon import load_lexicons
from .normalize import script_of_char


def script_profile(text: str, limit: int = 3000) -> Counter:
    counts: Counter = Counter()
    for ch in text[:limit]:
        if ch.isalpha():
            s = script_of_char(ch)
            if s:
                counts[s] += 1
    return counts


def main_script(text: str) -> str:
    """The article's script. Non-Latin scripts win from 30 %: quoted English is common."""
    counts = script_profile(text)
    total = sum(counts.values())
    if not total:
        return "other"
    non_latin = [(n, s) for s, n in counts.items() if s != "latin"]
    if non_latin:
        n, s = max(non_latin)
        if n >= 0.3 * total:
            return s
    return counts.most_common(1)[0][0]


@lru_cache(maxsize=8)
def _detector(languages: tuple[str, ...]):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in languages]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language of `text`, or None when there is no text."""
    script = main_script(text)
    langs = tuple(sorted(code for code, lx in load_lexicons().items() if lx.script == script))
    if not langs:
        return None
    if len(langs) == 1:
        return langs[0]
    sample = "".join(ch for ch in text[:3000] if not ch.isalpha() or script_of_char(ch) == script)
    result = _detector(langs).detect_language_of(sample)
    return result.iso_code_639_1.name.lower() if result else langs[0]
