"""Third-party front-end assets: from a CDN with Subresource Integrity, or from node_modules.

`ASSETS=cdn` (production): Leaflet and HTMX load from unpkg at pinned versions, each with
an `integrity` hash so a tampered CDN file is refused by the browser.
`ASSETS=local` (tests, offline use): the same files, installed by `npm ci` from
package.json/package-lock.json, are served by this app under /vendor/.

The versions here must equal package.json's; the hashes are sha384 of the npm tarball's
files, which are the same bytes unpkg serves. tests/browser/test_pages_http.py checks both.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from .config import ROOT

CDN = "https://unpkg.com"
NODE_MODULES = ROOT / "node_modules"
STATIC = ROOT / "static"


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    path: str  # inside the package
    integrity: str

    @property
    def cdn_url(self) -> str:
        return f"{CDN}/{self.package}@{self.version}/{self.path}"

    @property
    def local_url(self) -> str:
        return f"/vendor/{self.package}/{self.path}"

    @property
    def file(self) -> Path:
        return NODE_MODULES / self.package / self.path


ASSETS = {
    "leaflet.css": Asset("leaflet", "1.9.4", "dist/leaflet.css",
                         "sha384-sHL9NAb7lN7rfvG5lfHpm643Xkcjzp4jFvuavGOndn6pjVqS6ny56CAt3nsEVT4H"),
    "leaflet.js": Asset("leaflet", "1.9.4", "dist/leaflet.js",
                        "sha384-cxOPjt7s7Iz04uaHJceBmS+qpjv2JkIHNVcuOrM+YHwZOmJGBXI00mdUXEq65HTH"),
    "htmx.js": Asset("htmx.org", "2.0.11", "dist/htmx.min.js",
                     "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"),
}
# The API documentation pages (/docs, /redoc) only: Swagger UI and Redoc's standalone bundle.
DOCS_ASSETS = {
    "swagger-ui.css": Asset("swagger-ui-dist", "5.35.0", "swagger-ui.css",
                            "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I"),
    "swagger-ui.js": Asset("swagger-ui-dist", "5.35.0", "swagger-ui-bundle.js",
                           "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9"),
    "redoc.js": Asset("redoc", "2.5.2", "bundles/redoc.standalone.js",
                      "sha384-70P5pmIdaQdVbxvjhrcTDv1uKcKqalZ3OHi7S2J+uzDl0PW8dO6L+pHOpm9EEjGJ"),
}
# Only these files (and nothing else under node_modules) are served in local mode.
_LOCAL = {(a.package, a.path): a for a in (*ASSETS.values(), *DOCS_ASSETS.values())}


def asset_tags(mode: str, assets: dict[str, Asset] = ASSETS) -> dict[str, dict[str, str]]:
    """name -> attributes for the <script>/<link> tag (src/href, integrity, crossorigin)."""
    out = {}
    for name, a in assets.items():
        if mode == "cdn":
            out[name] = {"url": a.cdn_url, "integrity": a.integrity, "crossorigin": "anonymous"}
        else:
            out[name] = {"url": a.local_url, "integrity": a.integrity, "crossorigin": ""}
    return out


@lru_cache(maxsize=64)
def _digest(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    """/static/NAME?v=<content hash>, so browsers never run a stale copy after an upgrade.
    Our own .js and .css are served minified from there (see `minified`)."""
    path = STATIC / name
    try:
        return f"/static/{name}?v={_digest(path, path.stat().st_mtime_ns)}"
    except OSError:
        return f"/static/{name}"


@lru_cache(maxsize=16)
def _minified(path: Path, mtime_ns: int) -> bytes:
    import rcssmin
    import rjsmin

    text = path.read_text(encoding="utf-8")
    out = rjsmin.jsmin(text) if path.suffix == ".js" else rcssmin.cssmin(text)
    return out.encode("utf-8")


def minified(name: str) -> bytes | None:
    """Our own script or stylesheet without comments and spaces, computed once per file version
    (the readable file stays in static/; `?raw=1` serves it as written)."""
    path = STATIC / name
    try:
        return _minified(path, path.stat().st_mtime_ns)
    except OSError:
        return None


router = APIRouter(include_in_schema=False)


def _serve_minified(name: str, media: str):
    def handler(raw: str | None = None) -> Response:
        if raw:
            return FileResponse(STATIC / name, media_type=media)
        body = minified(name)
        if body is None:
            raise HTTPException(status_code=404, detail="not found")
        return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=3600"})
    return handler


for _name in sorted(p.name for p in STATIC.glob("*.js")) + sorted(p.name for p in STATIC.glob("*.css")):
    router.add_api_route(f"/static/{_name}", _serve_minified(
        _name, "text/javascript; charset=utf-8" if _name.endswith(".js") else "text/css; charset=utf-8"),
        methods=["GET"])


@router.get("/vendor/{package}/{path:path}")
def vendor_file(package: str, path: str, request: Request) -> FileResponse:
    """npm-installed copies of the pinned libraries, served only when ASSETS=local."""
    asset = _LOCAL.get((package, path))
    if request.app.state.settings.assets != "local" or asset is None:
        raise HTTPException(status_code=404, detail="not found")
    if not asset.file.is_file():
        raise HTTPException(status_code=404, detail=f"{package} is not installed: run `npm ci`")
    media = "text/css" if path.endswith(".css") else "text/javascript"
    return FileResponse(asset.file, media_type=media,
                        headers={"Cache-Control": "public, max-age=3600"})
