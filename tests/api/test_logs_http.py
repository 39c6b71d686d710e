"""Structured logs: JSON lines with the request id, who, what and how it ended; no secrets and
no ID numbers in any line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.api.test_portal_http import PERSON, application
from workflow.observability.logs import configure_logging, get_logger


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("json", "DEBUG", stream)

    def lines() -> list[dict]:
        text = stream.getvalue()
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    lines.text = stream.getvalue  # type: ignore[attr-defined]
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def request_lines(lines, rid):
    return [x for x in lines() if x.get("request_id") == rid and x["event"] == "request"]


def test_every_line_is_json_with_the_callers_request_id_echoed(client, world, log_lines):
    pid = world.parcel_in("surveyed")
    r = client.fire(pid, "plan", headers={"X-Request-Id": "gw-2025-0001"})
    assert r.status_code == 200
    assert r.headers["X-Request-Id"] == "gw-2025-0001"
    mine = [x for x in log_lines() if x.get("request_id") == "gw-2025-0001"]
    assert {x["event"] for x in mine} >= {"request", "transition"}
    (line,) = request_lines(log_lines, "gw-2025-0001")
    assert line["user"] == world.actors["clerk"].name and line["role"] == "clerk"
    assert line["parcel"] == pid and line["transition"] == "plan"
    assert line["outcome"] == "ok" and line["status"] == 200 and line["duration_ms"] >= 0
    assert line["route"] == "/api/v1/parcels/<int:parcel_id>/transitions/plan"
    assert line["level"] == "info" and "timestamp" in line
    (service,) = [x for x in mine if x["event"] == "transition"]
    assert service["outcome"] == "fired" and service["parcel"] == pid


def test_a_refused_step_logs_its_outcome_and_code(client, world, log_lines):
    pid = world.parcel_in("surveyed")
    r = client.fire(pid, "approve", headers={"X-Request-Id": "refused-1"})
    assert r.status_code == 409
    (line,) = request_lines(log_lines, "refused-1")
    assert line["outcome"] == "refused" and line["code"] == "TRANSITION_NOT_ALLOWED"
    assert line["transition"] == "approve" and line["parcel"] == pid


def test_a_missing_or_unreasonable_request_id_is_replaced(client, log_lines):
    r = client.get("/api/v1/parcels")
    generated = r.headers["X-Request-Id"]
    assert len(generated) == 32
    r = client.get("/api/v1/parcels", headers={"X-Request-Id": "a b<script>" + "x" * 200})
    assert r.headers["X-Request-Id"] != generated and "<" not in r.headers["X-Request-Id"]
    assert request_lines(log_lines, r.headers["X-Request-Id"])


def test_no_token_secret_verification_code_or_id_number_reaches_the_logs(client, world,
                                                                          log_lines):
    person = application("YKB-P-LOG", applicant={"type": "person", "name": "谭某某",
                                                 "id_no": PERSON})
    assert client.post("/api/v1/portal/applications", person, who="portal").status_code == 201
    # a token that does not exist, and one that does, in headers
    client.http.get("/api/v1/parcels", headers={"Authorization": "Bearer lf_not-a-real-one"})
    client.get("/api/v1/parcels", who="admin")
    # a webhook secret chosen by the caller
    client.post("/api/v1/webhooks/allowed-hosts", {"host": "example.org"}, who="admin")
    client.post("/api/v1/webhooks", {"url": "https://example.org/h",
                                     "secret": "whsec-very-private-123456"}, who="admin")
    # a verification code in the query string
    client.http.get("/api/v1/certificates/NO-SUCH/verify?code=ABCD-SECRET-CODE")
    # whatever a library writes through the standard library's logging, or a careless call
    logging.getLogger("sqlalchemy.engine").error("parameters: (%r, %r)", PERSON, "x")
    get_logger("landflow.test").warning(
        "careless", applicant={"id_no": PERSON, "name": "谭某某"},
        headers={"Authorization": f"Bearer {world.tokens['clerk']}"},
        note=f"身份证 {PERSON.lower()} token {world.tokens['approver']}")
    try:
        raise ValueError(f"duplicate key (applicant_id_no)=({PERSON})")
    except ValueError:
        logging.getLogger("landflow.api").exception("unhandled error")
    text = log_lines.text()
    lines = log_lines()
    assert len(lines) >= 8 and all(isinstance(x, dict) for x in lines)
    for secret in [PERSON, PERSON.lower(), "lf_not-a-real-one", "whsec-very-private-123456",
                   "ABCD-SECRET-CODE", *world.tokens.values()]:
        assert secret not in text, secret
    assert "身份证号已隐去" in text  # masked, not dropped: the line still says what happened
    assert any(x["event"] == "careless" and x["applicant"]["name"] == "谭某某" for x in lines)
