"""A real HTTP receiver on loopback for webhook tests: records every request and answers from
a script (a status per request, optionally holding a request until released)."""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=list)  # per request in order; then 200
    hold_first: bool = False
    answer: bytes = b"ok"
    requests: list[Received] = field(default_factory=list)
    first_arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def status_for(self, index: int) -> int:
        return self.statuses[index] if index < len(self.statuses) else 200


@contextlib.contextmanager
def receiver(tls: ssl.SSLContext | None = None, **options: object) -> Iterator[Receiver]:
    """The receiver, on https when `tls` (a server context) is given."""
    state = Receiver(**options)  # type: ignore[arg-type]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                index = len(state.requests)
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
            if index == 0:
                state.first_arrived.set()
                if state.hold_first:
                    state.release.wait(60)
            status = state.status_for(index)
            with contextlib.suppress(OSError):
                self.send_response(status)
                self.send_header("Content-Length", str(len(state.answer)))
                self.end_headers()
                self.wfile.write(state.answer)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
