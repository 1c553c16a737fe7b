"""The interface's languages: gettext catalogues (Babel), one per language.

`app/locale/<lang>/LC_MESSAGES/messages.po` is the catalogue, written by people and committed;
`messages.mo` beside it is compiled from it at install (`make install` runs `pybabel compile`),
and is not committed. A language is supported when its catalogue exists: adding one is a
catalogue and nothing else (README, "Languages"). English is the source language: its strings
are the msgids, so it needs no catalogue.

The language of a request: `?lang=xx` (a supported code, else a 422 naming `lang`), else the
best supported language of `Accept-Language`, else English. It is set per request in a context
variable that the templates' `_()` and Python's `gettext()` read.
"""
from __future__ import annotations

import gettext as _gettext
import hashlib
import io
import json
import logging
import re
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from .config import ROOT
from .params import invalid

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
JS_FILES = ("static/tidemark.js", "static/compare.js", "static/i18n.js", "static/tidemark-large.js")  # their T("…") strings go to the browser, for non-English pages only
# The functions that mark the interface's strings (pybabel extract -k …; tests/test_i18n.py extracts with these):
# gettext/ngettext and N_ in Python, _/gettext/ngettext in the templates, T/TN in the scripts.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "T": None, "TN": (1, 2)}
LANG = re.compile(r"^[a-z]{2,3}$")
log = logging.getLogger(__name__)

_current: ContextVar[str] = ContextVar("tidemark_lang", default=DEFAULT)
_carried: ContextVar[str | None] = ContextVar("tidemark_lang_carried", default=None)  # `lang` our links carry


@lru_cache(maxsize=1)
def supported() -> tuple[str, ...]:
    """English plus every language with a catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (DEFAULT, *[code for code in found if code != DEFAULT and LANG.match(code)])


@lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of `lang`. The .mo from `make install` when it is current; if it is
    missing or older than the .po (a catalogue edited after install), compiled in memory from the
    .po, so a running app never shows a stale translation."""
    if lang == DEFAULT or lang not in supported():
        return _gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    log.warning("%s is missing or older than its .po: compiling it in memory (run `make install`)", mo)
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def current() -> str:
    return _current.get()


def set_current(lang: str) -> None:
    _current.set(lang)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


_ = gettext


def direction(lang: str | None = None) -> str:
    return "rtl" if Locale.parse(lang or current()).character_order == "right-to-left" else "ltr"


def negotiate(accept_language: str | None) -> str:
    """The best supported language of an Accept-Language header (q-values, primary subtags)."""
    choices = []
    for i, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        q = 1.0
        m = re.search(r"q=([^;\s]{0,8})", params)
        if m:
            try:
                q = float(m.group(1))
            except ValueError:
                q = 0.0
        code = tag.strip().lower().split("-")[0]
        if q > 0 and code in supported():
            choices.append((-q, i, code))
    return min(choices)[2] if choices else DEFAULT


def choose(value: str | None, accept_language: str | None) -> tuple[str, str | None]:
    """(the interface language, the `lang` links carry or None), and make it the current one.

    `lang` in the URL wins (a value that is not a supported code is a 422 naming it); without it
    Accept-Language chooses. Links carry `lang` when it was in the URL or is not the default, so a
    shared link keeps its language whoever opens it.
    """
    if value not in (None, ""):
        if value not in supported():
            shown = value if len(value) <= 20 else value[:20] + "…"
            raise invalid("lang", f"unknown value {shown!r}: must be one of {', '.join(supported())}")
        lang, carry = value, value
    else:
        lang = negotiate(accept_language)
        carry = lang if lang != DEFAULT else None
    set_current(lang)
    _carried.set(carry)
    return lang, carry


def with_lang(url: str) -> str:
    """One of our own links (`/sources/x#q-y`) with the request's `lang` when links carry it, so a
    source or event page opened from a page in Arabic is in Arabic too; other URLs as they are."""
    carry = _carried.get()
    if not carry or not url.startswith("/") or url.startswith("//"):
        return url
    path, hash_, fragment = url.partition("#")
    return f"{path}{'&' if '?' in path else '?'}lang={carry}{hash_}{fragment}"


def use(request) -> tuple[str, str | None]:
    """choose() for a request: its `lang` parameter and its Accept-Language header."""
    return choose(request.query_params.get("lang"), request.headers.get("accept-language"))


# ---- dates and numbers in the interface language (Babel, CLDR) ------------------------------

def date_words(day, lang: str | None = None) -> str:
    """'Saturday 7 December 2024' in English; CLDR's full date in the others (ar: السبت، 7 ديسمبر 2024)."""
    lang = lang or current()
    if lang == DEFAULT:
        return f"{day:%A} {day.day} {day:%B %Y}"
    return format_date(day, "full", locale=lang)


def date_short(day, lang: str | None = None) -> str:
    """'7 Dec 2024' in English; CLDR's long date without the weekday in the others (ar: 7 ديسمبر 2024)."""
    lang = lang or current()
    if lang == DEFAULT:
        return f"{day.day} {day:%b %Y}"
    return format_date(day, "long", locale=lang)


def date_long(day, lang: str | None = None) -> str:
    """'7 December 2024' in English; CLDR's long date in the others."""
    lang = lang or current()
    return f"{day.day} {day:%B %Y}" if lang == DEFAULT else format_date(day, "long", locale=lang)


def number(n, lang: str | None = None) -> str:
    """A count in the locale's default digits and grouping (CLDR's default for ar is Latin digits)."""
    lang = lang or current()
    return str(n) if lang == DEFAULT or n is None else format_decimal(n, locale=lang)


def numbering(lang: str | None = None) -> str:
    """The locale's default numbering system per CLDR (Babel): 'latn' for ar, as for en."""
    return Locale.parse(lang or current()).default_numbering_system if hasattr(Locale, "default_numbering_system") \
        else "latn"


def _field(p, key: str):
    return p.get(key) if isinstance(p, dict) else getattr(p, key, None)


def place_name(p, lang: str | None = None) -> str:
    """A place's name (a dict or a Place) in the interface language when `names` has it, else its English name."""
    lang = lang or current()
    names = _field(p, "names") or {}
    return (names.get(lang) if lang != DEFAULT else None) or _field(p, "name") or ""


def second_name(p: dict, lang: str | None = None) -> str:
    """The name shown beside it: the English name when the first is another language's, else the
    conflict's native name (empty when it is the same)."""
    first = place_name(p, lang)
    other = _field(p, "name") or "" if first != _field(p, "name") else _field(p, "native_name") or ""
    return "" if other == first else other


def side_name(s, short: bool = False, lang: str | None = None) -> str:
    """A side's name (a dict or a Side; `short`: its short name) in the interface language when
    sides.csv has it (`names`, `short_names`), else the English one. None gives ''."""
    if s is None:
        return ""
    lang = lang or current()
    key = "short_name" if short else "name"
    own = (_field(s, key + "s") or {}).get(lang) if lang != DEFAULT else None
    return own or _field(s, key) or (_field(s, "name") if short else "") or ""


def language_name(code: str, lang: str | None = None) -> str:
    """A language code's name in the interface language (CLDR): 'bg' -> 'Bulgarian', 'البلغارية'."""
    try:
        return Locale.parse(lang or current()).languages.get(code) or code
    except (ValueError, TypeError):
        return code


def day_month(day, lang: str | None = None) -> str:
    """'7 Dec' in English; CLDR's day and abbreviated month in the others (ar: 7 ديسمبر)."""
    lang = lang or current()
    return f"{day.day} {day:%b}" if lang == DEFAULT else format_date(day, "d MMM", locale=lang)


def conflict_text(c, key: str = "title", lang: str | None = None) -> str:
    """The conflict's `title`, `long_title` or `description` in the interface language when
    conflict.yaml's `translations` has it, else the English one ('Tidemark' without a conflict)."""
    if c is None:
        return "Tidemark" if key == "title" else ""
    lang = lang or current()
    own = ((_field(c, "translations") or {}).get(lang) or {}).get(key) if lang != DEFAULT else None
    return own or _field(c, key) or ""


# ---- the browser's strings -------------------------------------------------------------------

@lru_cache(maxsize=1)
def js_msgids() -> tuple:
    """The T("…") strings of our scripts, and TN("…", "…", n)'s (singular, plural) pairs (Babel's
    JavaScript extractor)."""
    ids: list = []
    for name in JS_FILES:
        for _line, msg, _comments, _ctx in extract_from_file("javascript", str(ROOT / name),
                                                             keywords={"T": None, "TN": (1, 2)}):
            if isinstance(msg, tuple):
                msg = msg[:2]
            if msg and msg not in ids:
                ids.append(msg)
    return tuple(ids)


def plural_forms(lang: str, singular: str, plural: str) -> dict[str, str]:
    """The translations of a plural string keyed by CLDR plural category ("zero", "one", "two",
    "few", "many", "other"), which the browser's Intl.PluralRules names: each category's form is
    the catalogue's form (by its Plural-Forms rule) for the first number of that category."""
    rule, t, forms = Locale.parse(lang).plural_form, translations(lang), {}
    for n in (*range(0, 200), 1000, 100000, 1000000):
        forms.setdefault(rule(n), t.ngettext(singular, plural, n))
    return forms


@lru_cache(maxsize=None)
def js_catalogue(lang: str) -> str:
    """JSON {msgid: translation} of the scripts' strings; empty for English (nothing is sent)."""
    if lang == DEFAULT:
        return ""
    t = translations(lang)
    out: dict = {}
    for m in (*js_msgids(), *VOCABULARY):
        if isinstance(m, tuple):
            out[m[0]] = plural_forms(lang, *m)
        elif t.gettext(m) != m:
            out[m] = t.gettext(m)
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=None)
def js_catalogue_url(lang: str) -> str:
    """Where the browser gets `lang`'s strings (/strings/<lang>.js, versioned by its content); empty
    for English, whose pages load no catalogue."""
    if lang == DEFAULT:
        return ""
    return f"/strings/{lang}.js?v={hashlib.sha1(js_catalogue(lang).encode()).hexdigest()[:10]}"


def install(env) -> None:
    """Jinja2: `_()`, `gettext()`, `ngettext()` (new-style: `_("on %(day)s", day=…)`, escaped), and
    helpers for place names, numbers and the language."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(pname=place_name, pname2=second_name, num=number, ui_lang=current, ui_dir=direction,
                       date_short=date_short, date_long=date_long, sname=side_name, ctext=conflict_text, lang_name=language_name,
                       with_lang=with_lang)


def N_(message: str) -> str:
    """Marks a string for extraction only; it is translated where it is shown, e.g. `_(e.type)`."""
    return message


# Words of the data's fixed vocabularies that the pages show through `_()`.
VOCABULARY = (
    N_("capture"), N_("entry"), N_("withdrawal"), N_("clashes"), N_("encirclement"), N_("airstrike"),
    N_("protest"), N_("defection"), N_("other"),
    N_("city"), N_("town"), N_("village"), N_("base"), N_("airport"), N_("crossing"), N_("region"),
    N_("day"), N_("week"), N_("month"),
    N_("held"), N_("baseline"), N_("withdrawn"), N_("contested"),
    N_("Unknown"), N_("No holder named"),  # a holder's name when none is named (app/queries.py)
    N_("date known only to the day"), N_("date known only to the week"), N_("date known only to the month"),
)
