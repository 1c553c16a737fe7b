"""Security headers: a strict Content-Security-Policy everywhere; only /embed may be framed.

Also on every response: a Permissions-Policy that turns off the powerful browser features
the dashboard never uses, and (on everything but /embed, which lives inside other sites'
pages) Cross-Origin-Opener-Policy: same-origin, so a page we open, or that opens us, gets no
handle on our window.
"""
from urllib.parse import urlsplit

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

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


class SecurityHeaders(BaseHTTPMiddleware):
    def __init__(self, app, settings: Settings):
        super().__init__(app)
        self.settings = settings

    async def dispatch(self, request: Request, call_next) -> Response:
        response = await call_next(request)
        path = request.url.path.rstrip("/") or "/"
        response.headers.setdefault("Content-Security-Policy",
                                    content_security_policy(self.settings, path))
        if path not in EMBED_PATHS:
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response
