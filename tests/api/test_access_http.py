"""Who may see and do what: township scope, read-only auditors, revoked and expired tokens,
failed-authentication limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.test_chain_http import survey_body
from tests.api.test_portal_http import application
from workflow.accounts.services import add_user, revoke_user


@pytest.fixture
def scoped(world):
    """A clerk and an approver bound to 南宾街道, one parcel there and one in 黄水镇."""
    world.add_account("nanbin_clerk", "clerk", "南宾街道")
    world.add_account("nanbin_approver", "approver", "南宾街道")
    mine = world.parcel_in("planned")  # 南宾街道
    other = world.parcel_in("planned", township="黄水镇")
    return mine, other


def test_a_township_clerk_sees_only_its_parcels(client, world, scoped):
    mine, other = scoped
    listed = {p["id"] for p in client.get("/api/v1/parcels?per_page=500",
                                          who="nanbin_clerk").get_json()["items"]}
    assert mine in listed and other not in listed
    assert client.get(f"/api/v1/parcels/{mine}", who="nanbin_clerk").status_code == 200
    r = client.get(f"/api/v1/parcels/{other}", who="nanbin_clerk")
    assert r.status_code == 403 and r.get_json()["code"] == "OUT_OF_SCOPE"
    for path in (f"/api/v1/parcels/{other}/history", f"/api/v1/parcels/{other}/transitions",
                 f"/api/v1/parcels/{other}/records"):
        assert client.get(path, who="nanbin_clerk").status_code == 403, path


def test_a_township_clerk_moves_only_its_parcels(client, world, scoped):
    mine, other = scoped
    before = world.event_count(other)
    r = client.fire(other, "withdraw", who="nanbin_clerk")
    assert r.status_code == 403 and r.get_json()["code"] == "OUT_OF_SCOPE"
    r = client.post(f"/api/v1/parcels/{other}/records",
                    {"kind": "note", "date": "2024-01-01"}, who="nanbin_clerk")
    assert r.status_code == 403
    assert world.event_count(other) == before
    r = client.post("/api/v1/parcels", survey_body("HS-1", township="黄水镇"), who="nanbin_clerk")
    assert r.status_code == 403 and r.get_json()["code"] == "OUT_OF_SCOPE"
    assert client.fire(mine, "withdraw", {"effective_date": "2023-02-10"},
                       who="nanbin_clerk").status_code == 200
    world.pre_approval_records(other)
    r = client.fire(other, "approve", who="nanbin_approver")
    assert r.status_code == 403


def test_a_county_wide_clerk_sees_every_township(client, world, scoped):
    mine, other = scoped
    assert client.get(f"/api/v1/parcels/{other}", who="clerk").status_code == 200


WRITES = [
    ("POST", "/api/v1/parcels", lambda ids: survey_body("AUD-1")),
    ("POST", "/api/v1/parcels/{pid}/transitions/withdraw", lambda ids: {}),
    ("POST", "/api/v1/parcels/{pid}/records", lambda ids: {"kind": "note", "date": "2024-01-01"}),
    ("POST", "/api/v1/quota/accounts", lambda ids: {"year": 2031, "allocated_m2": "1"}),
    ("POST", "/api/v1/quota/transfers", lambda ids: {
        "from_account_id": ids["a"], "to_account_id": ids["b"], "amount_m2": "1",
        "document_no": "x"}),
    ("POST", "/api/v1/quota/accounts/{a}/allocations", lambda ids: {
        "amount_m2": "1", "document_no": "x"}),
    ("POST", "/api/v1/farmland/credits", lambda ids: {
        "source": "purchase", "project_no": "x", "area_m2": "1", "grade": 3,
        "accepted_on": "2024-01-01"}),
    ("POST", "/api/v1/land-tickets", lambda ids: {
        "ticket_no": "x", "area_m2": "1", "cultivated_m2": "1", "grade": 3,
        "acceptance_ref": "x", "accepted_on": "2024-01-01", "trade_price_yuan": "1",
        "buyer": "x", "traded_on": "2024-01-02"}),
    ("POST", "/api/v1/deadlines/{d}/pause", lambda ids: {"date": "2024-01-01", "reason": "x"}),
    ("POST", "/api/v1/portal/applications", lambda ids: application("AUD-1")),
    ("POST", "/api/v1/webhooks", lambda ids: {"url": "http://127.0.0.1/x"}),
    ("POST", "/api/v1/webhooks/allowed-hosts", lambda ids: {"host": "example.org"}),
]


def test_auditors_read_everything_and_write_nothing(client, world, runtime):
    pid = world.parcel_in("approved")
    from workflow.deadlines import queries as deadline_queries

    d = deadline_queries.list_deadlines(runtime.reader(), world.actors["auditor"],
                                         parcel_id=pid)["items"][0]["id"]
    ids = {"pid": pid, "a": world.quota_accounts[2025], "b": world.quota_accounts[2026], "d": d}
    before = world.event_count()
    for _method, path, body in WRITES:
        url = path.format(**ids)
        r = client.post(url, body(ids), who="auditor")
        assert r.status_code in (403, 422), (url, r.status_code, r.get_json())
        if r.status_code == 422:  # schema errors come first; a valid body must still be 403
            raise AssertionError(f"{url}: the test body is not valid: {r.get_json()}")
    assert world.event_count() == before
    for path in ("/api/v1/parcels", f"/api/v1/parcels/{pid}/history", "/api/v1/quota/accounts",
                 "/api/v1/farmland/credits", "/api/v1/audit/idle-land", "/api/v1/deadlines",
                 "/api/v1/events"):
        assert client.get(path, who="auditor").status_code == 200, path


def test_a_revoked_token_is_401_at_once(client, world, runtime):
    assert client.get("/api/v1/parcels", who="clerk").status_code == 200
    revoke_user(runtime.uow(), world.actors["clerk"].name)
    r = client.get("/api/v1/parcels", who="clerk")
    assert r.status_code == 401 and r.get_json()["code"] == "UNAUTHENTICATED"


def test_an_expired_token_is_401(client, runtime, clock):
    created = add_user(runtime.uow(), "short-lived", "auditor",
                       expires_at=clock.now() + timedelta(seconds=-1))
    r = client.http.get("/api/v1/parcels", headers={"Authorization": f"Bearer {created.token}"})
    assert r.status_code == 401


def test_failed_authentication_is_rate_limited_per_client(client, world, runtime):
    limit = runtime.settings.auth_failures_per_minute
    for _ in range(limit):
        r = client.http.get("/api/v1/parcels", headers={"Authorization": "Bearer lf_wrong"})
        assert r.status_code == 401
    r = client.http.get("/api/v1/parcels", headers={"Authorization": "Bearer lf_wrong"})
    assert r.status_code == 429 and r.get_json()["code"] == "RATE_LIMITED"
    assert int(r.headers["Retry-After"]) >= 1
    # The failures refuse wrong tokens only: a valid one from the same address (an office NAT,
    # a proxy) is still accepted.
    assert client.get("/api/v1/parcels", who="clerk").status_code == 200
    other = client.http.get("/api/v1/parcels", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                            headers={"Authorization": f"Bearer {world.tokens['clerk']}"})
    assert other.status_code == 200


def test_request_bodies_over_the_limit_are_413(client, runtime):
    big = b'{"code": "' + b"x" * (runtime.settings.max_body_bytes + 10) + b'"}'
    r = client.http.post("/api/v1/parcels", data=big, content_type="application/json",
                         headers={"Authorization": f"Bearer {client.world.tokens['clerk']}"})
    assert r.status_code == 413
