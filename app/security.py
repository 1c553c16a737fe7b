"""Security headers: a strict Content-Security-Policy everywhere; only /embed may be framed.

Also on every response: a Permissions-Policy that turns off the powerful browser features
the dashboard never uses, and (on everything but /embed, which lives inside other sites'
pages) Cross-Origin-Opener-Policy: same-origin, so a page we open, or that opens us, gets no
handle on our window.
"""
from urllib.parse import urlsplit

from .config import Settings

CDN_ORIGINS = ("https://unpkg.com",)
EMBED_PATHS = ("/embed",)
# Redoc's styled-components writes <style> elements at run time, and it builds a worker from a blob.
REDOC_PATHS = ("/redoc",)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
    "screen-wake-lock", "serial", "usb", "xr-spatial-tracking"))


def tile_origin(tile_url: str) -> str:
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc
    if "{s}" in tile_url:  # subdomains a/b/c
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings, path: str) -> str:
    scripts = ["'self'"]
    styles = ["'self'"]
    if settings.assets == "cdn":
        scripts += CDN_ORIGINS
        styles += CDN_ORIGINS
    images = ["'self'", "data:"]
    origin = "" if settings.tiles_off else tile_origin(settings.tile_url)
    if origin:
        images.append(origin)
    extra = []
    if path in REDOC_PATHS:
        styles.append("'unsafe-inline'")
        extra.append("worker-src blob:")
    frame_ancestors = "*" if path in EMBED_PATHS else "'none'"
    return "; ".join([
        *extra,
        "default-src 'none'",
        f"script-src {' '.join(scripts)}",
        f"style-src {' '.join(styles)}",
        f"img-src {' '.join(images)}",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def security_headers(settings: Settings, path: str) -> list[tuple[bytes, bytes]]:
    """The headers every response on `path` carries (unless its handler set them itself)."""
    path = path.rstrip("/") or "/"
    headers = [("Content-Security-Policy", content_security_policy(settings, path))]
    if path not in EMBED_PATHS:
        headers += [("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin")]
    headers += [("Permissions-Policy", PERMISSIONS_POLICY), ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "strict-origin-when-cross-origin")]
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


class SecurityHeaders:
    """Adds `security_headers` to every HTTP response, each only where the response lacks it.

    A pure ASGI middleware: it rewrites the start message as it passes, with no task, stream or
    Request object per request (Starlette's BaseHTTPMiddleware costs all three). The headers of
    an ordinary path are built once per setting; only the named paths (/embed, /redoc) differ.
    """

    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings
        self._built: dict[tuple, list[tuple[bytes, bytes]]] = {}

    def headers_for(self, path: str) -> list[tuple[bytes, bytes]]:
        path = path.rstrip("/") or "/"
        special = path if path in EMBED_PATHS or path in REDOC_PATHS else "/"
        s = self.settings
        key = (special, s.assets, s.tile_url)
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = security_headers(s, special)
        return built

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = self.headers_for(scope["path"])

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
