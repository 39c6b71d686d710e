"""The chain over HTTP: survey, every transition, history, health, documents."""

from __future__ import annotations

from copy import deepcopy

from tests.factories import PATHS, PRE_APPROVAL_RECORDS, SURVEY


def survey_body(code="HTTP-0001", **over):
    body = deepcopy(SURVEY)
    body["code"] = code
    body.update(over)
    return body


def test_healthz_answers_200_without_a_token(client):
    r = client.http.get("/healthz")
    assert r.status_code == 200
    assert r.get_json()["status"] == "ok"


def test_healthz_tells_anyone_only_that_it_is_up(client):
    assert client.http.get("/healthz").get_json() == {"status": "ok"}


def test_the_database_and_its_migration_are_shown_to_administrators_only(client, backend):
    from workflow.operator.migrate import current_head

    assert client.http.get("/api/v1/health").status_code == 401
    assert client.get("/api/v1/health", who="auditor").status_code == 403
    r = client.get("/api/v1/health", who="admin")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": backend, "migration": current_head(),
                            "head": current_head(), "up_to_date": True}


def test_a_parcel_is_carried_through_the_whole_chain_over_http(client):
    r = client.post("/api/v1/parcels", survey_body())
    assert r.status_code == 201, r.get_json()
    pid = r.get_json()["parcel"]["id"]
    for name in PATHS["registered"]:
        if name == "approve":
            for kind, on in PRE_APPROVAL_RECORDS:
                r = client.post(f"/api/v1/parcels/{pid}/records", {"kind": kind, "date": on})
                assert r.status_code == 201, r.get_json()
        if name == "register":
            r = client.post(f"/api/v1/parcels/{pid}/records", {
                "kind": "payment", "date": "2023-06-01",
                "details": {"amount_yuan": "5000000.00", "receipt_no": "石财缴 001"}})
            assert r.status_code == 201, r.get_json()
        r = client.fire(pid, name)
        assert r.status_code == 200, (name, r.get_json())
    parcel = client.get(f"/api/v1/parcels/{pid}").get_json()
    assert parcel["state"] == "registered"
    assert parcel["state_label"] == {"zh": "已登记", "en": "registered"}
    assert parcel["land"]["total_m2"] == "10000.00"
    assert parcel["land"]["total_mu"] == "15.0000"
    history = client.get(f"/api/v1/parcels/{pid}/history").get_json()["items"]
    steps = [h["transition"] or h["record"] for h in history]
    assert [h["transition"] for h in history if h["transition"]] == \
        ["survey", *PATHS["registered"]]
    assert steps.index("agreements_signed") < steps.index("approve")
    assert [h["to_state"] for h in history][-1] == "registered"
    assert all(h["hash"] and len(h["hash"]) == 64 for h in history)
    assert [h["seq"] for h in history] == sorted(h["seq"] for h in history)


def test_the_list_filters_and_pages(client, world):
    a = world.parcel_in("planned")
    b = world.parcel_in("approved")
    r = client.get("/api/v1/parcels?state=approved&per_page=10")
    ids = [p["id"] for p in r.get_json()["items"]]
    assert b in ids and a not in ids
    r = client.get("/api/v1/parcels?per_page=1&page=2")
    body = r.get_json()
    assert body["total"] >= 2 and len(body["items"]) == 1


def test_the_precheck_lists_what_the_caller_may_fire(client, world):
    pid = world.parcel_in("planned")
    approver = client.get(f"/api/v1/parcels/{pid}/transitions", who="approver").get_json()
    assert {i["transition"] for i in approver["items"]} == {"approve", "reject"}
    clerk = client.get(f"/api/v1/parcels/{pid}/transitions", who="clerk").get_json()
    assert {i["transition"] for i in clerk["items"]} == {"withdraw"}


def test_records_are_audit_events(client, world):
    pid = world.parcel_in("planned")
    r = client.post(f"/api/v1/parcels/{pid}/records",
                    {"kind": "pre_announcement", "date": "2023-02-10",
                     "details": {"document_no": "石府预告〔2023〕3号"}})
    assert r.status_code == 201, r.get_json()
    history = client.get(f"/api/v1/parcels/{pid}/history").get_json()["items"]
    assert history[-1]["record"] == "pre_announcement"
    assert history[-1]["prev_hash"] == history[-2]["hash"]


def test_openapi_document_and_docs_ui_are_served_locally(client):
    spec = client.http.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/parcels/{parcel_id}/transitions/approve" in spec["paths"]
    assert "VERSION_CONFLICT" in spec["info"]["description"]
    page = client.http.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in page and "http" not in page.split("<body>")[1]
    with client.http.get("/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and len(asset.get_data()) > 100_000


def test_a_dry_run_answers_what_would_happen_and_writes_nothing(client, world):
    pid = world.parcel_in("surveyed")
    before = world.event_count()
    r = client.fire(pid, "plan", query_string={"dry_run": "true"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["dry_run"] is True and body["parcel"]["state"] == "planned"
    assert all(res["passed"] for res in body["rule_results"])
    assert world.event_count() == before and world.state_of(pid) == "surveyed"
    r = client.fire(pid, "plan", {"effective_date": "2099-01-01"},
                    query_string={"dry_run": "true"})
    assert r.status_code == 200 and r.get_json()["violations"][0]["rule"] == \
        "EFFECTIVE_DATE_IN_FUTURE"
    assert world.event_count() == before
