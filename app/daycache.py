"""Per-date cache of the day's GeoJSON, keyed on the data version, stored gzipped on disk.

The state of a date changes only when the data changes (`load`, `ingest`, `review`), so
`/api/control.geojson?date=D` is built once per (data version, layer, date) and kept as a
gzip file; later requests send those bytes as they are (`Content-Encoding: gzip`), or
inflate them for the rare client that does not accept gzip. The files live under
`CACHE_DIR` (default: the system temp directory), one folder per data version; folders of
older versions are removed when a new version is first served. Bodies are on disk, not in
the server's memory, so its RSS does not grow with the number of dates served.

The ETag is weak (the same data goes out gzipped or inflated) and names the version, layer and date, so a client revalidating a day
it has gets `304 Not Modified` without a body.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from pathlib import Path

try:  # issue 10's one data version for every cache, once it is merged
    from .cache import data_version as _data_version  # type: ignore[attr-defined]
except ImportError:  # until then: the SQLite file's signature, or the share cards' provisional one
    _data_version = None

CACHE_CONTROL = "public, no-cache"  # keep it, revalidate with the ETag (cheap: a 304)


def _fallback_version(session) -> str:
    """Until app/cache.py is merged. SQLite: every commit rewrites the database file or its
    write-ahead log, so their sizes and modification times change whenever the data does
    (a checkpoint changes them too: a harmless rebuild). Two stat calls, no query."""
    url = session.get_bind().url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        parts = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(url.database + suffix)
            except OSError:
                st = None
            # An empty or missing log is the same state: readers create it, the last one to
            # close removes it, and neither changes the data.
            parts.append(f"{st.st_mtime_ns:x}{st.st_size:x}" if st and st.st_size else "0")
        return "f" + hashlib.sha1("-".join(parts).encode()).hexdigest()[:15]
    from .share import data_version as share_version
    return str(share_version(session))


def data_version(session) -> str:
    """The data version, read once per session (a request's several caches share it)."""
    info = getattr(session, "info", None)
    if info is not None and "data_version" in info:
        return info["data_version"]
    version = str(_data_version(session)) if _data_version else _fallback_version(session)
    if info is not None:
        info["data_version"] = version
    return version


@dataclass
class Cached:
    path: Path
    etag: str

    def gzip_bytes(self) -> bytes:
        return self.path.read_bytes()

    def raw_bytes(self) -> bytes:
        return gzip.decompress(self.path.read_bytes())


@lru_cache(maxsize=64)
def cache_root(database_url: str, cache_dir: str | os.PathLike | None = None) -> Path:
    base = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "tidemark-cache"
    return base / hashlib.sha1(database_url.encode()).hexdigest()[:12]


def encode(body: dict) -> bytes:
    """The same bytes as FastAPI's JSONResponse would send."""
    return json.dumps(body, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


def encode_gzip(body: dict) -> bytes:
    """`encode(body)`, gzipped, without holding the whole JSON text: a FeatureCollection's
    features go through the compressor one at a time (the text of 5,000 places is ~7 MB)."""
    comp = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)  # 31: a gzip stream (header mtime 0)
    features = body.get("features")
    if not isinstance(features, list) or list(body)[-1] != "features":
        return comp.compress(encode(body)) + comp.flush()
    head = encode({k: v for k, v in body.items() if k != "features"})
    parts = [comp.compress(head[:-1] + (b',"features":[' if len(head) > 2 else b'"features":['))]
    for i, feature in enumerate(features):
        parts.append(comp.compress((b"," if i else b"") + encode(feature)))
    parts.append(comp.compress(b"]}"))
    parts.append(comp.flush())
    return b"".join(parts)


def _prune(root: Path, keep: str) -> None:
    try:
        for child in root.iterdir():
            if child.is_dir() and child.name != keep:
                shutil.rmtree(child, ignore_errors=True)
    except OSError:
        pass


def _location(root: Path, version: str, layer: str, day: date | str) -> tuple[str, Path, str]:
    name = day.isoformat() if isinstance(day, date) else day
    safe_version = "".join(c for c in version if c.isalnum() or c in "-_")[:64] or "none"
    etag = f'W/"{safe_version}-{layer}-{name}"'  # weak: sent gzipped or inflated
    return safe_version, root / safe_version / layer / f"{name}.geojson.gz", etag


def lookup(root: Path, version: str, layer: str, day: date | str) -> Cached | None:
    """The cached day if it is built already (one stat, no query, nothing written)."""
    _, path, etag = _location(root, version, layer, day)
    return Cached(path, etag) if path.is_file() else None


def get_or_build(root: Path, version: str, layer: str, day: date | str,
                 build: Callable[[], dict | bytes]) -> Cached:
    """The cached day (or named body, e.g. "periods"), built and written atomically on first use.

    `build` gives the body as a dict, or as its JSON bytes already (`dayparts.collection_bytes`).
    A large body of bytes is first gzipped at a fast level, so its first answer is not kept
    waiting; a background thread compresses it again at the usual level once no day has been
    built for a while (`recompress`)."""
    safe_version, path, etag = _location(root, version, layer, day)
    if path.is_file():
        return Cached(path, etag)
    folder = path.parent
    if not (root / safe_version).is_dir():
        _prune(root, keep=safe_version)
    folder.mkdir(parents=True, exist_ok=True)
    _mark_busy()
    body = build()
    fast = isinstance(body, bytes) and len(body) >= FAST_FIRST_BYTES
    if isinstance(body, bytes):
        data = gzip_compress(body, *(FAST if fast else (zlib, LEVEL)))
    else:
        data = encode_gzip(body)
    del body
    _release_memory()
    _write(path, data)
    _mark_busy()
    if fast:
        recompress(path)
    return Cached(path, etag)


LEVEL = 6  # zlib's default: what every kept body ends up compressed with
try:  # Intel's ISA-L (the `isal` wheel): level 2 is ~10x faster than zlib at 6, ~4x than at 1
    from isal import isal_zlib as _isal_zlib
    FAST = (_isal_zlib, 2)
except ImportError:  # pragma: no cover - a platform without its wheel
    FAST = (zlib, 1)
FAST_FIRST_BYTES = 512 * 1024  # below this, level 6 takes a few ms: no second pass


def gzip_compress(raw: bytes, module=zlib, level: int = LEVEL) -> bytes:
    """`raw` as a gzip stream (`module`: zlib, or a module with its interface such as isal_zlib)."""
    comp = module.compressobj(level, module.DEFLATED, 31)  # 31: a gzip stream (header mtime 0)
    return comp.compress(raw) + comp.flush()


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_recompressor = None
_recompressor_lock = threading.Lock()
RECOMPRESS_WHEN_IDLE = 1.0  # seconds without a build before a body is compressed again
_last_build = 0.0


def _mark_busy() -> None:
    global _last_build
    _last_build = time.monotonic()


def _recompress_now(path: Path) -> None:
    # Not while days are being built: a burst of first requests (a slider dragged over new
    # days) gets the CPU; the second pass waits for the first quiet second.
    while (idle := time.monotonic() - _last_build) < RECOMPRESS_WHEN_IDLE:
        time.sleep(min(0.05, RECOMPRESS_WHEN_IDLE - idle))
    try:
        raw = gzip.decompress(path.read_bytes())
        _write(path, gzip_compress(raw))  # atomic: a reader gets the one file or the other
    except OSError:  # pruned meanwhile (a newer data version): nothing to keep
        pass


def recompress(path: Path):
    """Compress a kept body again at the usual level, in one background thread (zlib runs
    without the GIL). Same JSON, so the same (weak) ETag."""
    global _recompressor
    with _recompressor_lock:
        if _recompressor is None:
            from concurrent.futures import ThreadPoolExecutor
            # Normal priority: a niced thread starves on a busy machine, and if descheduled while it
            # holds the GIL it would hold up the requests (zlib itself runs without the GIL).
            _recompressor = ThreadPoolExecutor(1, thread_name_prefix="tidemark-gzip")
        return _recompressor.submit(_recompress_now, path)


def settle() -> None:
    """Wait until every background recompression submitted so far is done (tests, benchmarks)."""
    with _recompressor_lock:
        pool = _recompressor
    if pool is not None:
        pool.submit(lambda: None).result()


def _release_memory() -> None:
    """Hand the heap a day's build used (tens of MB at 5,000 places) back to the system.

    CPython's allocator keeps freed arenas, and glibc keeps freed heap, so without this the
    server's RSS stays at the high-water mark of its largest build. Linux/glibc only.
    """
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes
            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


_MEMO: OrderedDict = OrderedDict()
_MEMO_LOCK = threading.Lock()
MEMO_SIZE = 2048  # small values: per-day summaries (~2 KB), timelines (~30 KB)


MISSING = object()


def memo_peek(url: str, version: str, key: tuple):
    """The memo's value for `key` at data version `version` of the database at `url` (its
    `str(engine.url)`), or MISSING: for a request that has read the version without a session."""
    with _MEMO_LOCK:
        return _MEMO.get((url, version, key), MISSING)


def memo(session, key: tuple, build: Callable[[], object]):
    """A small result (the timeline, per-day counts) computed once per data version.

    In memory, a few dozen entries at most: for values of a few KB, not for day bodies.
    """
    full_key = (str(session.get_bind().url), data_version(session), key)
    with _MEMO_LOCK:
        if full_key in _MEMO:
            _MEMO.move_to_end(full_key)
            return _MEMO[full_key]
    value = build()
    with _MEMO_LOCK:
        _MEMO[full_key] = value
        while len(_MEMO) > MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value
