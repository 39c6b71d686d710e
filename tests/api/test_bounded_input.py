"""Every input is bounded: JSON that Python reads but nothing downstream can hold, ids past the
database's integers, dates outside the window, integers that are not integers, text with
invisible characters — each a 4xx problem naming the field, and nothing written."""

from __future__ import annotations

import json
from copy import deepcopy

import pytest
from sqlalchemy import func, select

from tests.api.test_bad_input import counts
from tests.api.test_chain_http import survey_body
from tests.api.test_portal_http import application
from workflow.models import FarmlandCredit, LandTicket, ParcelRecord, QuotaAccount


def snapshot(runtime):
    with runtime.reader() as uow:
        s = uow.session
        return counts(runtime) + tuple(
            s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (ParcelRecord, FarmlandCredit, LandTicket, QuotaAccount))


def raw_post(client, path, text, who="clerk"):
    return client.http.post(path, data=text.encode("utf-8"), content_type="application/json",
                            headers=client.headers(who))


def survey_text(**over):
    return json.dumps(survey_body("RAW-1", **over), ensure_ascii=True)


# --- the JSON door: 400 naming the place ---------------------------------------------------

DOOR = [
    ("NaN grade", survey_text().replace('"farmland_grade": 5', '"farmland_grade": NaN'),
     "land.farmland_grade"),
    ("-Infinity area", survey_text().replace('"farmland_m2": "6000.00"',
                                             '"farmland_m2": -Infinity'), "land.farmland_m2"),
    ("Infinity in geometry",
     survey_text(geometry={"type": "Point", "coordinates": [108.1, 30.0]}).replace(
         "108.1", "Infinity"), "geometry.coordinates.0"),
    ("1e309 in geometry",
     survey_text(geometry={"type": "Point", "coordinates": [108.1, 30.0]}).replace(
         "30.0", "1e309"), "geometry.coordinates.1"),
    ("lone surrogate", survey_text().replace('"RAW-1"', '"RAW-\\ud800"'), "code"),
    ("NUL", survey_text().replace('"RAW-1"', '"RAW\\u00001"'), "code"),
    ("repeated key", survey_text().replace('"code": "RAW-1"', '"code": "A", "code": "B"'),
     "code"),
]


@pytest.mark.parametrize(("case", "text", "path"), DOOR, ids=[c[0] for c in DOOR])
def test_json_python_reads_but_nothing_can_hold_is_400_naming_the_place(client, runtime, case,
                                                                        text, path):
    before = snapshot(runtime)
    r = raw_post(client, "/api/v1/parcels", text)
    assert r.status_code == 400, r.get_json()
    assert r.mimetype == "application/problem+json"
    assert path in r.get_json()["errors"], r.get_json()
    assert snapshot(runtime) == before


@pytest.mark.parametrize(("details", "path"), [
    ('{"x": NaN}', "details.x"), ('{"x": [1, Infinity]}', "details.x.1"),
    ('{"x": 1e309}', "details.x"), ('{"note": "a\\u0000b"}', "details.note"),
    ('{"note": "\\udc00"}', "details.note"),
])
def test_record_details_refuse_non_finite_numbers_and_unstorable_text(client, world, runtime,
                                                                      details, path):
    pid = world.parcel_in("surveyed")
    before = snapshot(runtime)
    r = raw_post(client, f"/api/v1/parcels/{pid}/records",
                 f'{{"kind": "note", "date": "2023-01-01", "details": {details}}}')
    assert r.status_code == 400 and path in r.get_json()["errors"], r.get_json()
    assert snapshot(runtime) == before
    # Nothing was stored, so the parcel's records still read as JSON any client can parse.
    listed = client.get(f"/api/v1/parcels/{pid}/records")
    json.loads(listed.get_data(as_text=True), parse_constant=pytest.fail)


@pytest.mark.parametrize(("details", "why"), [
    (json.loads('{"a":' * 20 + "1" + "}" * 20), "deep"),
    ({"values": list(range(3000))}, "large"),
])
def test_free_json_is_bounded_in_depth_and_size(client, world, runtime, details, why):
    pid = world.parcel_in("surveyed")
    before = snapshot(runtime)
    r = client.post(f"/api/v1/parcels/{pid}/records",
                    {"kind": "note", "date": "2023-01-01", "details": details})
    assert r.status_code == 422 and "details" in r.get_json()["errors"], r.get_json()
    assert snapshot(runtime) == before


# --- the URL: ids, NUL, dates in the query ---------------------------------------------------

URLS = [
    ("/api/v1/parcels?code=a%00b", "auditor", "code"),
    ("/api/v1/parcels?code=SZ%C2%85-1", "auditor", "code"),
    (f"/api/v1/parcels/{2**63}", "auditor", "parcel_id"),
    (f"/api/v1/parcels/{2**31}/history", "auditor", "parcel_id"),
    ("/api/v1/portal/applications/a%00b", "portal", "portal_no"),
    ("/api/v1/certificates/a%00b/verify?code=x", None, "number"),
    ("/api/v1/certificates/SZ-1/verify?code=a%00", None, "code"),
    ("/api/v1/audit/unsupplied/summary?as_of=0001-01-01", "auditor", "as_of"),
    ("/api/v1/audit/indicators?as_of=9999-12-31", "auditor", "as_of"),
    ("/api/v1/audit/idle-land?as_of=20250301", "auditor", "as_of"),
    ("/api/v1/audit/charts/supply-rate.svg?as_of=0001-01-01", "auditor", "as_of"),
    ("/api/v1/audit/charts/quota-use.png?as_of=1949-09-30", "auditor", "as_of"),
    ("/api/v1/deadlines?due_before=2101-01-01", "auditor", "due_before"),
    ("/api/v1/parcels?page=%EF%BC%95", "auditor", "page"),  # full-width 5
    ("/api/v1/events?after=1_000", "auditor", "after"),
]


@pytest.mark.parametrize(("url", "who", "field"), URLS, ids=[u[0] for u in URLS])
def test_a_bad_path_or_query_is_422_naming_it(client, url, who, field):
    r = client.get(url, who=who)
    assert r.status_code == 422, r.get_data()[:300]
    assert field in r.get_json()["errors"], r.get_json()


@pytest.mark.parametrize("as_of", ["1949-10-01", "2100-12-31"])
def test_the_window_edges_answer(client, world, as_of):
    world.parcel_in("supplied")
    for url in ("/api/v1/audit/unsupplied/summary", "/api/v1/audit/indicators",
                "/api/v1/audit/idle-land", "/api/v1/audit/unsupplied"):
        r = client.get(f"{url}?as_of={as_of}")
        assert r.status_code == 200, (url, r.get_data()[:300])
    r = client.get(f"/api/v1/audit/charts/supply-rate.svg?as_of={as_of}")
    assert r.status_code in (200, 503)  # 503: no CJK font on this machine


# --- integers are integers ---------------------------------------------------------------------


def grade(value):
    body = survey_body("INT-1")
    body["land"] = {**body["land"], "farmland_grade": value}
    return body


@pytest.mark.parametrize("value", [5.5, 5.0, "5", True])
def test_an_integer_field_takes_only_integers(client, runtime, value):
    before = snapshot(runtime)
    r = client.post("/api/v1/parcels", grade(value))
    assert r.status_code == 422 and "farmland_grade" in r.get_json()["errors"]["land"]
    assert snapshot(runtime) == before


@pytest.mark.parametrize(("name", "over", "field"), [
    ("plan", {"expected_version": 1.5}, "expected_version"),
    ("plan", {"expected_version": "1"}, "expected_version"),
    ("approve", {"farmland_credit_ids": ["1"]}, "farmland_credit_ids"),
])
def test_transition_integers_take_only_integers(client, world, runtime, name, over, field):
    pid = world.parcel_in("surveyed" if name == "plan" else "planned")
    before = snapshot(runtime)
    r = client.fire(pid, name, over)
    assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
    assert snapshot(runtime) == before


@pytest.mark.parametrize("year", [2030.5, "2030", 2030.0])
def test_a_quota_year_takes_only_integers(client, runtime, year):
    before = snapshot(runtime)
    r = client.post("/api/v1/quota/accounts", {"year": year, "allocated_m2": "1000.00"},
                    who="admin")
    assert r.status_code == 422 and "year" in r.get_json()["errors"]
    assert snapshot(runtime) == before


# --- dates inside the window, in their one form, not in the future where that is absurd ----


@pytest.mark.parametrize("day", ["20250301", "2025-3-1", "２０２５-03-01", "0001-01-01",
                                 "1949-09-30", "2101-01-01", "9999-12-31", "2025-03-01T00:00"])
def test_a_survey_date_outside_the_window_or_form_is_422(client, runtime, day):
    before = snapshot(runtime)
    r = client.post("/api/v1/parcels", survey_body("DAY-1", effective_date=day))
    assert r.status_code == 422 and "effective_date" in r.get_json()["errors"], r.get_json()
    assert snapshot(runtime) == before


def test_an_agreed_start_in_9998_is_refused_before_any_arithmetic(client, world, runtime):
    pid = world.parcel_in("approved", ownership="state")
    before = snapshot(runtime)
    r = client.fire(pid, "supply", {"agreed_start_date": "9998-06-01",
                                    "agreed_completion_date": "9999-12-31"})
    assert r.status_code == 422, r.get_json()
    assert {"agreed_start_date", "agreed_completion_date"} <= set(r.get_json()["errors"])
    assert snapshot(runtime) == before


def test_a_portal_case_dated_year_1_is_refused(client, runtime):
    before = snapshot(runtime)
    body = application()
    body["parcel"]["effective_date"] = "0001-01-01"
    r = client.post("/api/v1/portal/applications", body, who="portal")
    assert r.status_code == 422
    assert "effective_date" in r.get_json()["errors"]["parcel"], r.get_json()
    assert snapshot(runtime) == before


def test_a_portal_case_paused_in_1950_reads_without_walking_the_days(client, world,
                                                                     monkeypatch):
    from workflow.deadlines import calendar

    body = application("YKB-1950")
    body["parcel"]["effective_date"] = "1950-01-03"
    r = client.post("/api/v1/portal/applications", body, who="portal")
    assert r.status_code == 201, r.get_json()
    world.record(r.get_json()["parcel_id"], "clock_stopped", "1950-02-01", reason="补正材料")
    looked = []
    real = calendar.day_info
    monkeypatch.setattr(calendar, "day_info", lambda d: looked.append(d) or real(d))
    case = client.get("/api/v1/portal/applications/YKB-1950", who="portal")
    assert case.status_code == 200, case.get_json()
    clock = case.get_json()["clock"]
    assert clock["paused_working_days"] > 19_000 and clock["days_used"] < 30
    assert len(looked) < 100  # was one look per day since 1950: ~28,000


CREDIT = {"source": "consolidation", "project_no": "石柱土整-DATE", "area_m2": "100",
          "grade": 3, "accepted_on": "2024-01-01"}
TICKET = {"ticket_no": "渝地票〔2024〕0099", "area_m2": "2000", "cultivated_m2": "1800",
          "grade": 6, "acceptance_ref": "渝规资复垦验〔2024〕9号", "accepted_on": "2024-03-01",
          "trade_price_yuan": "560000", "buyer": "石柱县土地储备中心", "traded_on": "2024-04-10"}


@pytest.mark.parametrize(("path", "body", "field", "day"), [
    ("/api/v1/farmland/credits", CREDIT, "accepted_on", "2026-07-01"),  # tomorrow
    ("/api/v1/farmland/credits", CREDIT, "accepted_on", "9999-12-31"),
    ("/api/v1/land-tickets", TICKET, "traded_on", "9999-12-31"),
    ("/api/v1/land-tickets", TICKET, "traded_on", "2026-07-01"),
    ("/api/v1/land-tickets", {**TICKET, "traded_on": "2026-07-02"}, "accepted_on",
     "2026-07-01"),
    ("/api/v1/quota/transfers", {"from_account_id": 1, "to_account_id": 2,
                                 "amount_m2": "1.00", "document_no": "x"},
     "effective_date", "2026-07-01"),
])
def test_a_ledger_does_not_book_what_has_not_happened(client, world, runtime, path, body, field,
                                                      day):
    before = snapshot(runtime)
    body = {**deepcopy(body), field: day}
    if "from_account_id" in body:
        body["from_account_id"] = world.quota_accounts[2025]
        body["to_account_id"] = world.quota_accounts[2026]
    r = client.post(path, body, who="admin")
    assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
    assert snapshot(runtime) == before


# --- text: what is shown is what is stored ---------------------------------------------------


@pytest.mark.parametrize("code", ["SZ\u202e-1", "SZ\u200b-1", "SZ\x85-1", "\ufeffSZ-1",
                                  "SZ\u2066-1", "SZ\u200f-1"])
def test_identifiers_refuse_controls_bidi_and_zero_width_characters(client, runtime, code):
    before = snapshot(runtime)
    r = client.post("/api/v1/parcels", survey_body(code))
    assert r.status_code == 422 and "code" in r.get_json()["errors"], r.get_json()
    assert snapshot(runtime) == before


def test_names_refuse_them_too(client, world, runtime):
    pid = world.parcel_in("approved", ownership="state")
    before = snapshot(runtime)
    r = client.fire(pid, "supply", {"land_user": "石柱县\u202e某公司"})
    assert r.status_code == 422 and "land_user" in r.get_json()["errors"]
    assert snapshot(runtime) == before


@pytest.mark.parametrize("amount", ["５０００", "5000\u200b", "1_000", " 5000", "٥٠٠٠"])
def test_amounts_are_ascii_digits(client, runtime, amount):
    before = snapshot(runtime)
    body = survey_body("AMT-1")
    body["land"] = {**body["land"], "unused_m2": amount}
    r = client.post("/api/v1/parcels", body)
    assert r.status_code == 422 and "unused_m2" in r.get_json()["errors"]["land"]
    assert snapshot(runtime) == before


def test_an_idempotency_key_with_a_control_character_is_422(client, world, runtime):
    pid = world.parcel_in("surveyed")
    before = snapshot(runtime)
    r = client.fire(pid, "plan", headers={"Idempotency-Key": "k\x85ey"})
    assert r.status_code == 422 and "Idempotency-Key" in r.get_json()["errors"]
    assert snapshot(runtime) == before
