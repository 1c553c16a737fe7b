"""One file in, candidates out: the `extract` command's work, shared by `ingest`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .extractor import Candidate, extract_document
from .langid import detect_language
from .resources import Resources
from .text import MAX_BYTES, Document, InputError, load_document


@dataclass
class Extraction:
    document: Document
    language: str | None
    published: date
    candidates: list[Candidate]


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes; InputError for what cannot be an article (checked before reading)."""
    if not path.is_file():
        raise InputError("not a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError("empty file")
    if size > max_bytes:
        raise InputError(f"too large ({size / 1048576:.1f} MB; the limit is {max_bytes // 1048576} MB)")
    return path.read_bytes()


def extract_bytes(raw: bytes, name: str, res: Resources, published: date | None = None,
                  language: str | None = None) -> Extraction:
    doc = load_document(raw, name)
    when = published or doc.published
    if when is None:
        raise InputError("no publication date: the file has none in its metadata; give --published YYYY-MM-DD")
    lang = language or doc.language or detect_language(doc.text)
    cands = extract_document(doc, res, when, lang, name)
    return Extraction(doc, lang, when, cands)
