"""A dry run says whether the step would pass: ``"allowed": true|false`` beside the violations,
for transitions and for records (DESIGN §5 step 6: a dry run returns what would have happened
and books nothing)."""

from __future__ import annotations

from sqlalchemy import func, select

from workflow.models import ParcelRecord


def record_count(world) -> int:
    with world.runtime.reader() as uow:
        return int(uow.session.execute(select(func.count()).select_from(ParcelRecord))
                   .scalar_one())


def test_a_transition_dry_run_says_whether_the_step_would_be_allowed(client, world):
    """DESIGN §5: a refused dry run answers 200 — ``allowed`` says it would be refused."""
    pid = world.parcel_in("surveyed")
    ok = client.fire(pid, "plan", query_string={"dry_run": "true"})
    assert ok.status_code == 200
    assert ok.get_json()["allowed"] is True and ok.get_json()["violations"] == []
    no = client.fire(pid, "plan", {"effective_date": "2099-01-01"},
                     query_string={"dry_run": "true"})
    assert no.status_code == 200
    body = no.get_json()
    assert body["allowed"] is False and body["dry_run"] is True
    assert [v["rule"] for v in body["violations"]] == ["EFFECTIVE_DATE_IN_FUTURE"]
    assert world.state_of(pid) == "surveyed"


def test_a_record_dry_run_says_whether_the_record_would_be_accepted_and_files_nothing(
        client, world):
    """DESIGN §5: ``?dry_run=true`` on records runs the record's guards and effects and rolls
    them back; ``allowed`` says whether it would be filed."""
    pid = world.parcel_in("surveyed")
    records, events = record_count(world), world.event_count()
    path = f"/api/v1/parcels/{pid}/records"
    ok = client.post(path, {"kind": "pre_announcement", "date": "2022-12-01"},
                     query_string={"dry_run": "true"})
    assert ok.status_code == 200, ok.get_json()
    body = ok.get_json()
    assert body["allowed"] is True and body["dry_run"] is True and body["violations"] == []
    assert body["record"]["kind"] == "pre_announcement"
    no = client.post(path, {"kind": "pre_announcement", "date": "2099-01-01"},
                     query_string={"dry_run": "true"})
    assert no.status_code == 200, no.get_json()
    body = no.get_json()
    assert body["allowed"] is False and body["record"] is None
    assert [v["rule"] for v in body["violations"]] == ["EFFECTIVE_DATE_IN_FUTURE"]
    assert record_count(world) == records and world.event_count() == events
    filed = client.post(path, {"kind": "pre_announcement", "date": "2022-12-01"})
    assert filed.status_code == 201 and record_count(world) == records + 1


def test_a_survey_dry_run_says_whether_the_parcel_would_be_recorded(client, world):
    """DESIGN §5: the survey is the first step; its dry run answers like any other."""
    from copy import deepcopy

    from tests.factories import SURVEY

    body = deepcopy(SURVEY) | {"code": "DRY-0001"}
    ok = client.post("/api/v1/parcels", body, query_string={"dry_run": "true"})
    assert ok.status_code == 200 and ok.get_json()["allowed"] is True, ok.get_json()
    late = body | {"effective_date": "2099-01-01"}
    no = client.post("/api/v1/parcels", late, query_string={"dry_run": "true"})
    assert no.status_code == 200, no.get_json()
    assert no.get_json()["allowed"] is False and no.get_json()["parcel"] is None
    assert [v["rule"] for v in no.get_json()["violations"]] == ["EFFECTIVE_DATE_IN_FUTURE"]
    assert client.post("/api/v1/parcels", late).status_code == 422
