"""The portal's intake, its view of a case, and the event feed."""

from __future__ import annotations

from copy import deepcopy

from tests.factories import SURVEY
from workflow.portal.identity import id_check_char, uscc_check_char

USCC = "91500240MA5U0001" + "0"
USCC += uscc_check_char(USCC)
PERSON = "50024019880229123"
PERSON += id_check_char(PERSON)


def application(portal_no="YKB-2024-000001", **over):
    parcel = deepcopy(SURVEY)
    parcel["effective_date"] = "2024-03-01"
    body = {"portal_no": portal_no, "item_code": "LAND-USE-APPROVAL",
            "applicant": {"type": "organisation", "name": "石柱县康养旅游开发有限公司",
                          "id_no": USCC},
            "parcel": parcel}
    body.update(over)
    return body


def test_the_portal_files_an_application_and_a_retry_returns_the_same_case(client, world):
    r = client.post("/api/v1/portal/applications", application(), who="portal")
    assert r.status_code == 201, r.get_json()
    case = r.get_json()
    assert case["parcel_code"] == "YKB-YKB-2024-000001" and case["state"] == "surveyed"
    assert case["status"] == {"zh": "已调查", "en": "surveyed"}
    assert case["next_steps"][0]["transition"] == "plan"
    again = client.post("/api/v1/portal/applications", application(), who="portal")
    assert again.status_code == 200 and again.get_json()["parcel_id"] == case["parcel_id"]
    assert client.get("/api/v1/parcels?code=YKB-YKB-2024-000001").get_json()["total"] == 1
    other = application(item_code="LAND-SUPPLY")
    r = client.post("/api/v1/portal/applications", other, who="portal")
    assert r.status_code == 422 and r.get_json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_only_the_portal_files_applications(client):
    assert client.post("/api/v1/portal/applications", application(), who="clerk"
                       ).status_code == 403


def test_applicant_identifiers_are_checksum_verified(client):
    bad = application(applicant={"type": "organisation", "name": "某公司",
                                 "id_no": USCC[:-1] + ("0" if USCC[-1] != "0" else "1")})
    r = client.post("/api/v1/portal/applications", bad, who="portal")
    assert r.status_code == 422 and "applicant" in r.get_json()["errors"]
    person = application("YKB-P-1", applicant={"type": "person", "name": "谭某某",
                                               "id_no": PERSON.lower()})
    r = client.post("/api/v1/portal/applications", person, who="portal")
    assert r.status_code == 201
    assert r.get_json()["applicant"]["id_no"] == PERSON[:6] + "********" + PERSON[-4:]


def test_the_case_shows_the_legal_clock_with_its_pauses(client, world):
    r = client.post("/api/v1/portal/applications", application(), who="portal")
    pid = r.get_json()["parcel_id"]
    # Filed Friday 2024-03-01; materials to be supplemented 03-04..03-11 (补正: clock stopped).
    world.record(pid, "clock_stopped", "2024-03-04", reason="补正材料")
    world.record(pid, "clock_resumed", "2024-03-11")
    world.fire(pid, "plan", effective_date="2024-03-12")
    world.pre_approval_records(pid)
    world.fire(pid, "approve", effective_date="2024-03-29", approval_no="渝府地〔2024〕9号")
    case = client.get("/api/v1/portal/applications/YKB-2024-000001", who="portal").get_json()
    clock = case["clock"]
    assert clock["legal_limit_working_days"] == 20 and clock["committed_limit_working_days"] == 15
    assert clock["paused_working_days"] == 5  # 5, 6, 7, 8, 11 March
    # 20 working days to the approval on 2024-03-29, less the 5 paused.
    assert clock["days_used"] == 15 and clock["decided_on"] == "2024-03-29"
    assert clock["overdue"] == {"legal": False, "committed": False}
    assert clock["paused_intervals"] == [{"from": "2024-03-04", "to": "2024-03-11",
                                          "reason": "补正材料"}]
    assert case["stage"]["zh"] == "批"


def test_the_event_feed_pages_by_cursor(client, world):
    first = client.get("/api/v1/events?after=0&limit=1000", who="portal").get_json()
    world.parcel_in("planned")
    page = client.get(f"/api/v1/events?after={first['next']}&limit=1", who="portal").get_json()
    assert len(page["items"]) == 1 and page["items"][0]["type"] == "transition.survey"
    rest = client.get(f"/api/v1/events?after={page['next']}", who="portal").get_json()
    assert [e["type"] for e in rest["items"]] == ["transition.plan"]
    assert client.get("/api/v1/events", who="clerk").status_code == 403
    only = client.get(f"/api/v1/events?after={first['next']}&type=transition.plan",
                      who="portal").get_json()
    assert [e["type"] for e in only["items"]] == ["transition.plan"]
