"""From a file's bytes to the article text, its metadata, and its content sentences.

- Plain text may start with YAML front matter (the data/articles format).
- HTML: the main text is taken with trafilatura (scripts, navigation and comments go),
  the publication date with htmldate from the page's own metadata (never the network).
- Boilerplate lines are dropped by general rules (lexicons' `boilerplate` lists):
  related-link lines ("Read more: …", "Още: …"), everything after a comment-section
  header, newsletter prompts and share/print chrome. Dropped lines stay in the text, so
  offsets are those of the stored text; they simply yield no sentences.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..datafiles import parse_date, split_front_matter
from .lexicon import all_boilerplate
from .normalize import norm_tokens

MAX_BYTES = 10 * 1024 * 1024
HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
HTML_TAGS = re.compile(rb"<(p|div|article|body|script|meta|title)\b", re.I)


class InputError(ValueError):
    """The input cannot be read as an article; the message says why."""


@dataclass
class Document:
    text: str
    published: date | None = None
    language: str | None = None
    title: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    kind: str = "text"  # text | html


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int


def decode(raw: bytes) -> str:
    if not raw.strip():
        raise InputError("empty file")
    if len(raw) > MAX_BYTES:
        raise InputError(f"too large ({len(raw) / 1048576:.1f} MB; the limit is {MAX_BYTES // 1048576} MB)")
    if b"\x00" in raw[:65536]:
        raise InputError("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\t\f")
    if controls > 8:
        raise InputError("binary file (control characters)")
    return text


def looks_like_html(raw: bytes, name: str = "") -> bool:
    if name.lower().endswith((".html", ".htm", ".xhtml")):
        return True
    head = raw[:4096]
    return bool(HTML_START.match(head)) or len(HTML_TAGS.findall(head)) >= 3


def html_document(html: str) -> Document:
    import trafilatura  # lazy: heavy import
    from htmldate import find_date

    text = trafilatura.extract(html, include_comments=False, include_tables=False,
                               include_links=False, include_images=False,
                               favor_precision=True, deduplicate=True, with_metadata=False) or ""
    if not text.strip():
        raise InputError("HTML page without main text")
    meta = trafilatura.extract_metadata(html)
    published = None
    found = find_date(html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    if found:
        published = date.fromisoformat(found)
    lang = (getattr(meta, "language", None) or "") if meta else ""
    title = (getattr(meta, "title", None) or "") if meta else ""
    site = ((getattr(meta, "sitename", None) or getattr(meta, "hostname", None) or "")
            if meta else "")
    url = (getattr(meta, "url", None) or "") if meta else ""
    return Document(text=text, published=published, language=lang[:2].lower() or None,
                    title=title, kind="html", meta={"outlet": site, "url": url})


def load_document(raw: bytes, name: str = "") -> Document:
    """Raises InputError with a reason a person can act on."""
    if looks_like_html(raw, name):
        return html_document(decode(raw))
    text = decode(raw)
    if text.startswith("---\n"):
        try:
            meta, body, _ = split_front_matter(text)
        except Exception as exc:  # yaml errors
            raise InputError(f"bad front matter: {exc}") from None
        published = None
        if meta.get("published"):
            try:
                published = parse_date(meta["published"])
            except ValueError as exc:
                raise InputError(f"front matter 'published': {exc}") from None
        return Document(text=body, published=published,
                        language=(str(meta.get("language") or "") or None),
                        title=str(meta.get("title") or ""), meta=meta)
    if not any(ch.isalpha() for ch in text):
        raise InputError("no text (no letters)")
    return Document(text=text)


# ---------------------------------------------------------------- boilerplate

_LINE = re.compile(r"[^\n]*")


def content_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of the lines that are content, in order; boilerplate lines are left out."""
    rules = all_boilerplate()
    chrome_words = {w for phrase in rules.chrome for w in phrase.split() if len(w) > 3}
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        key = " ".join(norm_tokens(stripped))
        bare = re.sub(r"^(\d+\s+)+", "", key)
        if bare in rules.comments or key in rules.comments:
            break  # a comment section: nothing after it is reporting
        low = stripped.casefold()
        if any(low.startswith(p) for p in rules.related):
            continue
        if len(stripped) < 300 and any(p in low for p in rules.newsletter):
            continue
        if key in rules.chrome or bare in rules.chrome or not any(ch.isalpha() for ch in stripped):
            continue
        words = key.split()
        if len(words) <= 4 and all(w in chrome_words or len(w) <= 2 for w in words):
            continue
        lead = len(line) - len(line.lstrip())
        out.append((start + lead, start + lead + len(stripped)))
    return out


# ------------------------------------------------------------------ sentences

_BOUNDARY = re.compile(r"[.!?؟…]+[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[^\W\d_a-z]|[\"“«]|\d)")
_ABBREV = {"mr", "mrs", "ms", "dr", "gen", "col", "lt", "st", "no", "vs", "prof", "sgt", "maj",
           "capt", "gov", "sen", "rep", "jr", "sr", "inc", "co", "ген", "полк", "г", "ул", "т",
           "mme", "hr", "fr", "dott", "sig", "ok", "ca"}


def split_sentences(text: str, start: int, end: int, paragraph: int) -> list[Sentence]:
    out: list[Sentence] = []
    seg_start = start
    chunk = text[start:end]
    for m in _BOUNDARY.finditer(chunk):
        before = chunk[:m.start()]
        word = re.search(r"(\w+)$", before)
        if word and (word.group(1).casefold() in _ABBREV or (len(word.group(1)) == 1 and word.group(1).isupper())):
            continue
        stop = start + m.start() + len(m.group().rstrip())
        out.append(Sentence(seg_start, stop, paragraph))
        seg_start = start + m.end()
    if seg_start < end:
        out.append(Sentence(seg_start, end, paragraph))
    return [s for s in out if any(ch.isalpha() for ch in text[s.start:s.end])]


def sentences(text: str) -> list[Sentence]:
    """The content sentences of `text`, each with its paragraph (line) number."""
    out: list[Sentence] = []
    for i, (start, end) in enumerate(content_lines(text)):
        out.extend(split_sentences(text, start, end, i))
    return out
