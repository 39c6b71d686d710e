"""A real server in a test: a free loopback port, and waiting until /healthz answers."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    """Until /healthz answers 200; a server that exits or never answers fails the test."""
    deadline = time.monotonic() + seconds
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("gunicorn did not come up")
        time.sleep(0.2)
