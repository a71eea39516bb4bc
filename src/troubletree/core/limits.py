"""Request body size limits per route: 413 with the error body before the body is read past the
limit, and before authentication (a pure ASGI middleware in front of everything).

A declared Content-Length over the limit is refused before a byte of the body is read; a body
without one (chunked) is counted as it streams and refused the moment it passes the limit. The
limits live in BODY_LIMITS, one table: trees carry whole graphs (up to MAX_NODES nodes and
MAX_GRAPH_TEXT_BYTES of titles and bodies, plus ids, options and JSON escaping), everything else
is small JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from troubletree.core.errors import AppError
from troubletree.trees.graph import MAX_GRAPH_TEXT_BYTES

MIB = 1024 * 1024
DEFAULT_BODY_LIMIT = 1 * MIB
# Graph text counts characters; JSON escaping (\uXXXX) and the structure around the text can
# double it: twice the text limit leaves room for the largest tree the model accepts.
GRAPH_BODY_LIMIT = 2 * MAX_GRAPH_TEXT_BYTES
SYNC_BODY_LIMIT = 8 * MIB
UPLOAD_BODY_LIMIT = 10 * MIB + 256 * 1024


@dataclass(frozen=True)
class BodyLimit:
    method: str
    path: re.Pattern[str]
    limit: int


_ID = r"[^/]+"
BODY_LIMITS: tuple[BodyLimit, ...] = (
    BodyLimit("POST", re.compile(r"/api/v1/trees"), GRAPH_BODY_LIMIT),  # create with a graph
    BodyLimit("POST", re.compile(r"/api/v1/trees/import"), GRAPH_BODY_LIMIT),
    BodyLimit("PUT", re.compile(rf"/api/v1/trees/{_ID}"), GRAPH_BODY_LIMIT),  # draft save
    # A device's queued session changes: up to 200 events with notes of 5,000 characters.
    BodyLimit("POST", re.compile(r"/api/v1/sessions/sync"), SYNC_BODY_LIMIT),
    # A photo or PDF: the 10 MiB file and the multipart envelope around it (a larger file
    # within this allowance is refused by the upload itself, 413 file_too_large).
    BodyLimit("POST", re.compile(rf"/api/v1/sessions/{_ID}/attachments"), UPLOAD_BODY_LIMIT),
)


def body_limit(method: str, path: str) -> int:
    for rule in BODY_LIMITS:
        if rule.method == method and rule.path.fullmatch(path):
            return rule.limit
    return DEFAULT_BODY_LIMIT


class BodyTooLarge(AppError):
    status_code = 413
    code = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The request body is larger than this endpoint accepts ({limit} bytes).",
            extra={"limit": limit},
        )


async def _send_413(send: Send, limit: int) -> None:
    error = BodyTooLarge(limit)
    body = json.dumps(error.body()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_413(send, limit)
            return

        received = 0
        refused = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _send_413(send, limit)
                    # The app sees a client that went away and stops reading; whatever it
                    # answers to that is dropped below.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, guarded_send)
