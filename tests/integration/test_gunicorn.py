"""What only the real server shows: the app behind gunicorn, as ``make run`` starts it (from
the project directory, so that ``gunicorn.conf.py`` applies)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, wait_until_up
from workflow.accounts.services import add_user
from workflow.config import Settings
from workflow.operator.migrate import upgrade
from workflow.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('gunicorn') / 'landflow.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def server(database: str) -> Iterator[tuple[str, int]]:
    url = database
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "LANDFLOW_SECRET_KEY": "test-secret",
           "LANDFLOW_MAX_BODY_BYTES": "4096"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen([gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port, proc, 30)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(10)


def _request(server: tuple[str, int], method: str, path: str, headers: dict[str, str],
             body: object = None) -> tuple[int, str, dict]:
    conn = http.client.HTTPConnection(*server, timeout=10)
    conn.request(method, path, body=body, headers=headers,
                 encode_chunked=headers.get("Transfer-Encoding") == "chunked")
    r = conn.getresponse()
    text = r.read().decode("utf-8", "replace")
    conn.close()
    content_type = r.getheader("Content-Type") or ""
    return r.status, content_type, json.loads(text) if "json" in content_type else {"raw": text}


def test_a_ten_kilobyte_token_gets_a_problem_document_not_gunicorns_page(server):
    status, content_type, body = _request(
        server, "GET", "/api/v1/parcels", {"Authorization": "Bearer lf_" + "x" * 10_000})
    assert status == 431 and content_type == "application/problem+json", body
    assert body["code"] == "HEADER_TOO_LARGE"


@pytest.fixture(scope="module")
def token(database: str) -> str:
    runtime = Runtime.from_settings(Settings(database_url=database, secret_key="test-secret"))
    try:
        return add_user(runtime.uow(), "gunicorn.clerk", "clerk").token
    finally:
        runtime.engine.dispose()


def _chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


@pytest.mark.parametrize("size", [4097, 10_000])
def test_a_chunked_body_over_the_limit_is_413(server, token, size):
    body = b'{"code": "' + b"x" * (size - 12) + b'"}'
    assert len(body) == size
    status, content_type, problem = _request(
        server, "POST", "/api/v1/parcels",
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
         "Transfer-Encoding": "chunked"}, _chunks(body))
    assert status == 413 and content_type == "application/problem+json", problem
    assert problem["code"] == "PAYLOAD_TOO_LARGE"


def test_a_chunked_body_within_the_limit_is_read(server, token):
    body = b'{"code": "' + b"x" * (4096 - 12) + b'"}'  # exactly the limit
    status, _, problem = _request(
        server, "POST", "/api/v1/parcels",
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
         "Transfer-Encoding": "chunked"}, _chunks(body))
    # Read whole and judged by the survey's schema, not refused for its size.
    assert status == 422 and problem["code"] == "VALIDATION_ERROR", problem
