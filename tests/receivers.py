"""Webhook receivers on 127.0.0.1 for the delivery tests: a plain HTTP(S) endpoint and one that
trickles its answer."""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """An HTTP endpoint that fails its first ``fail_first`` calls, then answers ``status``
    (with ``headers``); every request, of any method, is recorded. With ``tls`` it speaks
    HTTPS."""

    def __init__(self, fail_first: int = 0, status: int = 204,
                 headers: dict[str, str] | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.fail_first = fail_first
        self.calls: list[tuple[float, dict, bytes]] = []
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, headers)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.requests.append((self.command, self.path, dict(self.headers)))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.command == "POST":
                    outer.calls.append((time.monotonic(), dict(self.headers), body))
                failing = self.command == "POST" and len(outer.calls) <= outer.fail_first
                self.send_response(500 if failing else status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET = do_PUT = _answer  # noqa: N815 - the stdlib's names

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/landflow"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Trickler:
    """Reads a whole request, then answers ``204 No Content`` one byte every ``interval``
    seconds — each byte in time for any per-read timeout. Records, per post, the event id and
    when it began and ended (the client hanging up ends it)."""

    ANSWER = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.posts: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/slow"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
            lowered = {k.lower(): v for k, v in headers.items()}
            while len(body) < int(lowered.get("content-length", 0)):
                body += conn.recv(65536)
            event = lowered.get("x-landflow-event-id", "?")
            began = time.monotonic()
            try:
                for byte in self.ANSWER:
                    if self._stop.is_set():
                        break
                    conn.sendall(bytes([byte]))
                    # Wait, but notice at once when the client hangs up.
                    readable, _, _ = select.select([conn], [], [], self.interval)
                    if readable and not conn.recv(1):
                        break
            except OSError:
                pass
            with self._lock:
                self.posts.append((event, began, time.monotonic()))

    def overlapping(self) -> list[tuple[str, float, float]]:
        """Posts of one event that were in flight at the same time as another of it."""
        with self._lock:
            posts = sorted(self.posts, key=lambda p: p[1])
        found = []
        for i, (event, began, _ended) in enumerate(posts):
            for other, b2, e2 in posts[:i]:
                if other == event and b2 <= began < e2:
                    found.append((event, began, e2))
        return found

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
