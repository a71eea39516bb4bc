"""Security headers on every response (the web app, its assets, the API and its errors), and the
server banner left out. A pure ASGI middleware placed outermost, so even a 413 from the body
limit or a 500 carries them.

The Content-Security-Policy suits the built single-page app: scripts and styles only from this
origin, no inline script, no plugins, no framing. React (and React Flow) set styles through the
DOM's style properties, which CSP does not restrict, so `style-src 'self'` holds. The API docs
pages (Swagger UI, ReDoc) are FastAPI's own HTML: an inline bootstrap script and assets from the
jsDelivr CDN, so those two paths alone get a policy that allows exactly that.

Hook for embedding: a route that may be framed (an embed page allowed per account) sets
`request.state.frame_ancestors` to the sources it allows (e.g. "https://help.example.com");
the policy's `frame-ancestors` then names them instead of 'none'. Nothing else relaxes it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

APP_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = {
    **APP_CSP,
    "script-src": f"'self' 'unsafe-inline' {CDN}",
    "style-src": f"'self' 'unsafe-inline' {CDN} https://fonts.googleapis.com",
    "font-src": "'self' https://fonts.gstatic.com",
    "img-src": "'self' data: blob: https://fastapi.tiangolo.com https://cdn.redoc.ly",
    "worker-src": "'self' blob:",
}
DOCS_PATHS = frozenset({"/api/docs", "/api/redoc", "/api/docs/oauth2-redirect"})
FRAME_ANCESTORS_STATE = "frame_ancestors"

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Field photos will need the camera (from this origin only); nothing needs the rest.
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=63072000; includeSubDomains"


def content_security_policy(path: str, frame_ancestors: str | None = None) -> str:
    policy = dict(DOCS_CSP if path in DOCS_PATHS else APP_CSP)
    policy["frame-ancestors"] = frame_ancestors or "'none'"
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # request.state is this dict: created here, so copies of the scope further in share it.
        state = scope.setdefault("state", {})

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                framers = state.get(FRAME_ANCESTORS_STATE)
                for name, value in STATIC_HEADERS.items():
                    headers[name] = value
                if framers:
                    del headers["X-Frame-Options"]  # frame-ancestors names who may frame it
                headers["Content-Security-Policy"] = content_security_policy(scope["path"], framers)
                if self.hsts:
                    headers["Strict-Transport-Security"] = HSTS
                if "server" in headers:
                    del headers["server"]
            await send(message)

        await self.app(scope, receive, with_headers)
