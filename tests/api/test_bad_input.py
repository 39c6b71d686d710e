"""Bad input gets a 4xx problem document naming the field, and the database is unchanged."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.api.test_chain_http import survey_body
from workflow.models import AuditEvent, Parcel


def counts(runtime):
    with runtime.reader() as uow:
        return (uow.session.execute(select(func.count()).select_from(Parcel)).scalar_one(),
                uow.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def land(**over):
    base = survey_body()["land"]
    base.update(over)
    return base


BAD_SURVEYS = [
    ("wrong type for an area", {"land": land(farmland_m2=True)}, "land", "farmland_m2"),
    ("area as prose", {"land": land(unused_m2="a lot")}, "land", "unused_m2"),
    ("negative area", {"land": land(other_agricultural_m2="-5")}, "land",
     "other_agricultural_m2"),
    ("paddy larger than farmland", {"land": land(paddy_m2="7000")}, "land", "paddy_m2"),
    ("grade out of range", {"land": land(farmland_grade=16)}, "land", "farmland_grade"),
    ("three decimal places", {"land": land(farmland_m2="1.005")}, "land", "farmland_m2"),
    ("absurd number", {"land": land(farmland_m2="1e400")}, "land", "farmland_m2"),
    ("not a number", {"land": land(farmland_m2="NaN")}, "land", "farmland_m2"),
    ("unknown ownership", {"ownership": "private"}, "ownership", None),
    ("unknown field", {"colour": "red"}, "colour", None),
    ("date not a date", {"effective_date": "2023-02-30"}, "effective_date", None),
    ("basic farmland larger than farmland",
     {"control_lines": {"basic_farmland_m2": "9000"}}, "control_lines", None),
    ("geometry not GeoJSON", {"geometry": {"type": "Circle"}}, "geometry", None),
    ("empty code", {"code": ""}, "code", None),
    ("no land at all", {"land": {}}, "land", None),
]


@pytest.mark.parametrize(("case", "over", "field", "sub"), BAD_SURVEYS,
                         ids=[c[0] for c in BAD_SURVEYS])
def test_bad_survey_bodies_are_422_naming_the_field(client, runtime, case, over, field, sub):
    before = counts(runtime)
    body = survey_body(f"BAD-{case}")
    body.update(over)
    r = client.post("/api/v1/parcels", body)
    assert r.status_code == 422, r.get_json()
    problem = r.get_json()
    assert r.mimetype == "application/problem+json"
    assert problem["code"] == "VALIDATION_ERROR"
    assert field in problem["errors"], problem
    if sub:
        assert sub in problem["errors"][field], problem
    assert counts(runtime) == before


def test_an_unknown_township_is_422_naming_township(client, runtime):
    before = counts(runtime)
    r = client.post("/api/v1/parcels", survey_body("BAD-T", township="不存在乡"))
    assert r.status_code == 422 and "township" in r.get_json()["errors"]
    assert counts(runtime) == before


def test_a_township_may_be_given_by_code(client):
    r = client.post("/api/v1/parcels", survey_body("CODE-T", township="500240105"))
    assert r.status_code == 201
    assert r.get_json()["parcel"]["township"]["name"] == "黄水镇"


def test_a_duplicate_code_is_409_naming_code(client, runtime):
    assert client.post("/api/v1/parcels", survey_body("DUP-1")).status_code == 201
    before = counts(runtime)
    r = client.post("/api/v1/parcels", survey_body("DUP-1"))
    assert r.status_code == 409 and r.get_json()["field"] == "code"
    assert counts(runtime) == before


@pytest.mark.parametrize("raw", [b"{not json", b'{"code": "x",}', b"\xff\xfe", b"[" * 100000])
def test_malformed_json_is_400(client, runtime, raw):
    before = counts(runtime)
    r = client.post("/api/v1/parcels", data=raw, content_type="application/json")
    assert r.status_code == 400, r.get_data()[:200]
    assert r.get_json()["code"] == "VALIDATION_ERROR" and "json" in r.get_json()["errors"]
    assert counts(runtime) == before


def test_a_huge_integer_is_a_4xx_not_a_500(client):
    raw = b'{"code": "X", "land": {"farmland_grade": ' + b"9" * 5000 + b"}}"
    r = client.post("/api/v1/parcels", data=raw, content_type="application/json")
    assert r.status_code == 400


def test_a_body_that_is_not_an_object_is_422(client):
    r = client.post("/api/v1/parcels", [1, 2, 3])
    assert r.status_code == 422 and r.get_json()["code"] == "VALIDATION_ERROR"


def test_a_non_json_content_type_is_refused(client):
    r = client.post("/api/v1/parcels", data="code=x", content_type="text/plain")
    assert r.status_code == 400


def test_an_absurdly_large_body_is_413(client, runtime):
    before = counts(runtime)
    body = survey_body("HUGE", geometry={"type": "Polygon",
                                         "coordinates": [[[108.1, 30.0]] * 40000]})
    r = client.post("/api/v1/parcels", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 413 and r.get_json()["code"] == "PAYLOAD_TOO_LARGE"
    assert counts(runtime) == before


BAD_TRANSITIONS = [
    ("plan", {"planned_use": "casino"}, "planned_use"),
    ("plan", {"planning_conditions": {"plot_ratio_max": "2"}}, "planning_conditions"),
    ("plan", {"expected_version": "one"}, "expected_version"),
    ("plan", {"effective_date": "yesterday"}, "effective_date"),
]


@pytest.mark.parametrize(("name", "over", "field"), BAD_TRANSITIONS)
def test_bad_transition_bodies_are_422_naming_the_field(client, world, runtime, name, over,
                                                        field):
    pid = world.parcel_in("surveyed")
    before = counts(runtime)
    r = client.fire(pid, name, over)
    assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
    assert counts(runtime) == before and world.state_of(pid) == "surveyed"


def test_an_effective_date_in_the_future_is_a_rule_violation(client, world, runtime):
    pid = world.parcel_in("surveyed")
    before = counts(runtime)
    r = client.fire(pid, "plan", {"effective_date": "2099-01-01"})
    assert r.status_code == 422
    assert [v["rule"] for v in r.get_json()["violations"]] == ["EFFECTIVE_DATE_IN_FUTURE"]
    assert counts(runtime) == before


def test_an_effective_date_before_the_last_event_is_a_rule_violation(client, world):
    pid = world.parcel_in("planned")
    r = client.fire(pid, "approve", {"effective_date": "2022-12-31"})
    assert r.status_code == 422
    assert r.get_json()["violations"][0]["rule"] == "EFFECTIVE_DATE_BEFORE_LAST_EVENT"
    assert r.get_json()["violations"][0]["details"]["last_effective_date"] == "2023-02-01"


def test_an_unknown_parcel_is_404_and_an_unknown_transition_too(client):
    r = client.get("/api/v1/parcels/999999")
    assert r.status_code == 404 and r.get_json()["code"] == "NOT_FOUND"
    r = client.post("/api/v1/parcels/1/transitions/teleport", {})
    assert r.status_code == 404


def test_an_overlong_idempotency_key_is_422(client, world):
    pid = world.parcel_in("surveyed")
    r = client.fire(pid, "plan", headers={"Idempotency-Key": "k" * 201})
    assert r.status_code == 422 and "Idempotency-Key" in r.get_json()["errors"]
