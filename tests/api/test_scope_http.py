"""Township scope on every path to a parcel: the portal's case view, certificates, clocks,
records, history, pre-checks, ledgers, the event feed and the auditors' lists. A scoped account
gets the same answer for a parcel outside its scope as for one that does not exist; the portal
reads only its own cases."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from tests.api.test_portal_http import application
from workflow.deadlines import queries as deadline_queries
from workflow.models import Certificate

MISSING_PARCEL = 2**31 - 7
MISSING_CERTIFICATE = "渝(2025)石柱县不动产权第9999999号"


@pytest.fixture
def nanbin(world):
    """A clerk, an approver and an auditor bound to 南宾街道."""
    world.add_account("nanbin_clerk", "clerk", "南宾街道")
    world.add_account("nanbin_approver", "approver", "南宾街道")
    world.add_account("nanbin_auditor", "auditor", "南宾街道")
    return world


def certificate_of(world, pid):
    """The parcel's certificate: (number, status)."""
    with world.runtime.reader() as uow:
        return uow.session.execute(select(Certificate.number, Certificate.status).where(
            Certificate.parcel_id == pid)).one()


def case_in(client, portal_no, township):
    body = application(portal_no)
    body["parcel"]["township"] = township
    r = client.post("/api/v1/portal/applications", body, who="portal")
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_township_clerk_reads_no_other_townships_case_through_the_portal_lookup(
        client, nanbin):
    other = case_in(client, "YKB-HS-1", "黄水镇")
    mine = case_in(client, "YKB-NB-1", "南宾街道")
    r = client.get("/api/v1/portal/applications/YKB-HS-1", who="nanbin_clerk")
    assert r.status_code == 403 and r.get_json()["code"] == "OUT_OF_SCOPE"
    body = r.get_data(as_text=True)
    assert "康养旅游" not in body and str(other["parcel_id"]) not in body
    r = client.get("/api/v1/portal/applications/YKB-NB-1", who="nanbin_clerk")
    assert r.status_code == 200 and r.get_json()["parcel_id"] == mine["parcel_id"]
    assert client.get("/api/v1/portal/applications/YKB-HS-1", who="clerk").status_code == 200


def test_a_township_approver_cannot_revoke_another_townships_certificate(client, nanbin):
    pid = nanbin.parcel_in("registered", township="黄水镇")
    number = certificate_of(nanbin, pid)[0]
    before = nanbin.event_count(pid)
    version = nanbin.parcel(pid).version
    url = f"/api/v1/certificates/{quote(number)}"
    r = client.post(url + "/revoke", {"date": "2026-01-05", "reason": "越权注销"},
                    who="nanbin_approver")
    assert r.status_code == 403 and r.get_json()["code"] == "OUT_OF_SCOPE"
    assert certificate_of(nanbin, pid)[1] == "valid"
    assert nanbin.event_count(pid) == before and nanbin.parcel(pid).version == version
    assert client.get(url, who="nanbin_approver").status_code == 403
    with client.get(url + ".pdf", who="nanbin_approver") as pdf:
        assert pdf.status_code == 403 and pdf.mimetype == "application/problem+json"


def test_another_townships_parcel_and_a_missing_one_answer_alike(client, nanbin):
    """Every path by id: a scoped clerk cannot tell 'outside your township' from 'no such
    thing' (an existence oracle), while the county-wide clerk still gets 404 for a missing
    one."""
    other = nanbin.parcel_in("registered", township="黄水镇")
    number = certificate_of(nanbin, other)[0]
    approved = nanbin.parcel_in("approved", township="黄水镇")
    clock = deadline_queries.list_deadlines(nanbin.runtime.reader(), nanbin.actors["auditor"],
                                            parcel_id=approved, state="open")["items"][0]["id"]
    case_in(client, "YKB-HS-2", "黄水镇")
    note = {"kind": "note", "date": "2026-01-05"}
    paths = [  # (method, path for the other township, path for nothing, body, who)
        ("GET", f"/api/v1/parcels/{other}", f"/api/v1/parcels/{MISSING_PARCEL}", None,
         "nanbin_clerk"),
        ("GET", f"/api/v1/parcels/{other}/history",
         f"/api/v1/parcels/{MISSING_PARCEL}/history", None, "nanbin_clerk"),
        ("GET", f"/api/v1/parcels/{other}/transitions",
         f"/api/v1/parcels/{MISSING_PARCEL}/transitions", None, "nanbin_clerk"),
        ("GET", f"/api/v1/parcels/{other}/records",
         f"/api/v1/parcels/{MISSING_PARCEL}/records", None, "nanbin_clerk"),
        ("POST", f"/api/v1/parcels/{other}/records",
         f"/api/v1/parcels/{MISSING_PARCEL}/records", note, "nanbin_clerk"),
        ("POST", f"/api/v1/parcels/{other}/transitions/withdraw",
         f"/api/v1/parcels/{MISSING_PARCEL}/transitions/withdraw",
         {"effective_date": "2026-01-05", "reason": "x"}, "nanbin_clerk"),
        ("GET", f"/api/v1/certificates/{quote(number)}",
         f"/api/v1/certificates/{quote(MISSING_CERTIFICATE)}", None, "nanbin_clerk"),
        ("GET", f"/api/v1/certificates/{quote(number)}.pdf",
         f"/api/v1/certificates/{quote(MISSING_CERTIFICATE)}.pdf", None, "nanbin_clerk"),
        ("POST", f"/api/v1/certificates/{quote(number)}/revoke",
         f"/api/v1/certificates/{quote(MISSING_CERTIFICATE)}/revoke",
         {"date": "2026-01-05", "reason": "x"}, "nanbin_approver"),
        ("POST", f"/api/v1/deadlines/{clock}/pause", f"/api/v1/deadlines/{2**31 - 7}/pause",
         {"date": "2026-01-05", "reason": "x"}, "nanbin_approver"),
        ("POST", f"/api/v1/deadlines/{clock}/resume", f"/api/v1/deadlines/{2**31 - 7}/resume",
         {"date": "2026-01-05"}, "nanbin_approver"),
        ("GET", "/api/v1/portal/applications/YKB-HS-2", "/api/v1/portal/applications/YKB-NONE",
         None, "nanbin_clerk"),
    ]
    before = nanbin.event_count()
    for method, there, nowhere, body, who in paths:
        send = client.get if method == "GET" else client.post
        kw = {} if body is None else {"body": body}
        a, b = send(there, who=who, **kw), send(nowhere, who=who, **kw)
        assert a.status_code == b.status_code == 403, (there, a.get_json(), b.get_json())
        assert a.get_json() == b.get_json(), there
        assert a.get_json()["code"] == "OUT_OF_SCOPE"
    assert nanbin.event_count() == before
    r = client.get(f"/api/v1/parcels/{MISSING_PARCEL}", who="clerk")
    assert r.status_code == 404 and r.get_json()["code"] == "NOT_FOUND"


def test_clocks_of_another_township_are_neither_listed_nor_moved(client, nanbin):
    mine = nanbin.parcel_in("approved")
    other = nanbin.parcel_in("approved", township="黄水镇")
    listed = client.get("/api/v1/deadlines?per_page=500", who="nanbin_approver").get_json()
    parcels = {d["parcel_id"] for d in listed["items"]}
    assert mine in parcels and other not in parcels
    r = client.get(f"/api/v1/deadlines?parcel_id={other}", who="nanbin_approver")
    assert r.get_json()["total"] == 0
    clock = deadline_queries.list_deadlines(nanbin.runtime.reader(), nanbin.actors["auditor"],
                                            parcel_id=other, state="open")["items"][0]
    r = client.post(f"/api/v1/deadlines/{clock['id']}/pause",
                    {"date": "2026-01-05", "reason": "越权暂停"}, who="nanbin_approver")
    assert r.status_code == 403
    after = deadline_queries.list_deadlines(nanbin.runtime.reader(), nanbin.actors["auditor"],
                                            parcel_id=other, state="open")["items"][0]
    assert after == clock


def test_ledgers_do_not_name_another_townships_parcels(client, nanbin):
    mine = nanbin.parcel_in("approved")
    other = nanbin.parcel_in("approved", township="黄水镇")
    credits = client.get("/api/v1/farmland/credits", who="nanbin_clerk").get_json()["items"]
    pairings = [x for c in credits for x in c["pairings"]]
    shown = {x["parcel_id"] for x in pairings}
    assert mine in shown and other not in shown
    hidden = [x for x in pairings if x["parcel_id"] is None]
    assert len(hidden) == 1 and hidden[0]["audit_seq"] is None
    everything = client.get("/api/v1/farmland/credits", who="clerk").get_json()["items"]
    assert other in {x["parcel_id"] for c in everything for x in c["pairings"]}
    account = nanbin.quota_accounts[2023]
    entries = client.get(f"/api/v1/quota/accounts/{account}/entries",
                         who="nanbin_clerk").get_json()["items"]
    assert {e["parcel_id"] for e in entries if e["kind"] == "deduct"} == {mine, None}
    county = client.get(f"/api/v1/quota/accounts/{account}/entries").get_json()["items"]
    assert {e["parcel_id"] for e in county if e["kind"] == "deduct"} == {mine, other}


def test_a_township_bound_reader_follows_only_its_townships_events(client, nanbin):
    start = client.get("/api/v1/events?after=0&limit=1000", who="auditor").get_json()["next"]
    mine = nanbin.parcel_in("planned")
    other = nanbin.parcel_in("planned", township="黄水镇")
    everything = client.get(f"/api/v1/events?after={start}", who="auditor").get_json()
    assert {e["parcel_id"] for e in everything["items"]} == {mine, other}
    bound = client.get(f"/api/v1/events?after={start}", who="nanbin_auditor").get_json()
    assert {e["parcel_id"] for e in bound["items"]} == {mine}


def test_a_township_bound_approver_audits_only_its_township(client, nanbin):
    mine = nanbin.parcel_in("approved")
    other = nanbin.parcel_in("approved", township="黄水镇")
    listed = client.get("/api/v1/audit/unsupplied?as_of=2024-01-01&per_page=500",
                        who="nanbin_approver").get_json()
    assert {i["parcel_id"] for i in listed["items"]} == {mine}
    county = client.get("/api/v1/audit/unsupplied?as_of=2024-01-01&per_page=500",
                        who="approver").get_json()
    assert {i["parcel_id"] for i in county["items"]} == {mine, other}
    asked = client.get("/api/v1/audit/unsupplied?as_of=2024-01-01&township=黄水镇",
                       who="nanbin_approver").get_json()
    assert asked["total"] == 0


def test_the_portal_reads_only_its_own_cases(client, world):
    case = case_in(client, "YKB-OWN-1", "南宾街道")
    own = case["parcel_id"]
    clerks = world.parcel_in("planned")
    assert client.get(f"/api/v1/parcels/{own}/history", who="portal").status_code == 200
    for path in (f"/api/v1/parcels/{clerks}/history", f"/api/v1/parcels/{clerks}",
                 f"/api/v1/parcels/{clerks}/records"):
        r = client.get(path, who="portal")
        assert r.status_code == 403 and r.get_json()["code"] == "OUT_OF_SCOPE", path
    listed = {p["id"] for p in client.get("/api/v1/parcels?per_page=500",
                                          who="portal").get_json()["items"]}
    assert listed == {own}
    r = client.fire(clerks, "withdraw", who="portal")
    assert r.status_code == 403 and world.state_of(clerks) == "planned"
    world.add_account("other_portal", "portal")
    r = client.get("/api/v1/portal/applications/YKB-OWN-1", who="other_portal")
    assert r.status_code == 403
    r = client.get(f"/api/v1/parcels/{own}/history", who="other_portal")
    assert r.status_code == 403
