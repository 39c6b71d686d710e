"""供: planning conditions, supply method, maximum terms, contract dates, area."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.rules.helpers import D, make_ctx, make_parcel, refusals

CONDITIONS = {"plot_ratio_max": "2.0", "building_density_max": "40"}


def supplying(payload: dict | None = None, on: str = "2023-05-06", **parcel):
    parcel = {"state": "expropriated", "planned_use": "industrial",
              "planning_conditions": CONDITIONS, **parcel}
    return make_ctx("supply", parcel=make_parcel(**parcel), payload=payload, effective_date=on)


def test_planning_conditions_and_a_use_are_set():
    assert refusals("planning_conditions_present", supplying()) == []


@pytest.mark.parametrize("parcel", [
    {"planning_conditions": None},
    {"planning_conditions": {}},
    {"planned_use": None},
])
def test_land_without_planning_conditions_or_use_is_not_supplied(parcel):
    assert refusals("planning_conditions_present", supplying(**parcel)) == [
        "PLANNING_CONDITIONS_MISSING"]


@pytest.mark.parametrize(("use", "method", "users", "ok"), [
    ("industrial", "listing", 1, True),
    ("industrial", "agreement", 1, False),
    ("commercial", "auction", 1, True),
    ("commodity_housing", "lease", 1, False),
    ("tourism", "tender", 1, True),
    ("entertainment", "agreement", 1, False),
    ("residential", "agreement", 1, True),
    ("residential", "agreement", 2, False),  # two intending users: tender, auction or listing
    ("residential", "listing", 2, True),
    ("public_service", "allocation", 1, True),
    ("education", "allocation", 1, True),
    ("affordable_housing", "allocation", 1, True),
    ("public_service", "allocation", 2, False),
    ("residential", "allocation", 1, False),
    ("commercial", "allocation", 1, False),
    (None, "allocation", 1, False),  # no use is "other", not an allocation category
    (None, "agreement", 1, True),
])
def test_supply_method(use, method, users, ok):
    ctx = supplying({"method": method, "intending_users": users}, planned_use=use)
    assert refusals("supply_method_allowed", ctx) == ([] if ok else ["SUPPLY_METHOD_NOT_ALLOWED"])


def test_missing_intending_users_count_as_one():
    ctx = supplying({"method": "agreement", "intending_users": None}, planned_use="residential")
    assert refusals("supply_method_allowed", ctx) == []


@pytest.mark.parametrize(("use", "term", "ok"), [
    ("commercial", 40, True), ("commercial", 41, False),
    ("tourism", 40, True), ("entertainment", 41, False),
    ("commodity_housing", 70, True), ("commodity_housing", 71, False),
    ("residential", 70, True), ("residential", 71, False),
    ("industrial", 50, True), ("industrial", 51, False),
    ("education", 50, True), ("education", 51, False),
    ("other", 50, True), ("other", 51, False),
    (None, 50, True), (None, 51, False),
])
def test_maximum_grant_terms(use, term, ok):
    ctx = supplying({"method": "listing", "term_years": term}, planned_use=use)
    assert refusals("term_within_maximum", ctx) == ([] if ok else ["TERM_EXCEEDS_MAXIMUM"])


def test_the_maximum_is_named_in_the_refusal():
    ctx = supplying({"method": "listing", "term_years": 71}, planned_use="commodity_housing")
    refusals("term_within_maximum", ctx)
    assert ctx.violations[0].details["max_years"] == 70


def test_allocation_has_no_term():
    ctx = supplying({"method": "allocation", "term_years": None}, planned_use="public_service")
    assert refusals("term_within_maximum", ctx) == []


def test_paid_use_needs_a_term():
    ctx = supplying({"method": "listing", "term_years": None})
    assert refusals("term_within_maximum", ctx) == ["TERM_REQUIRED"]


def contract(signed: str, start: str, done: str, on: str = "2023-05-06"):
    return supplying({"signed_on": D(signed), "agreed_start_date": D(start),
                      "agreed_completion_date": D(done)}, on=on)


def test_contract_dates_at_their_limits_are_ordered():
    # Signed the day of the supply, start the day of signing, completion the day after.
    ctx = contract("2023-05-06", "2023-05-06", "2023-05-07", on="2023-05-06")
    assert refusals("contract_dates_ordered", ctx) == []


@pytest.mark.parametrize(("signed", "start", "done"), [
    ("2023-05-07", "2023-08-01", "2025-08-01"),  # signed the day after the supply
    ("2023-05-06", "2023-05-05", "2025-08-01"),  # start the day before signing
    ("2023-05-06", "2023-08-01", "2023-08-01"),  # completion the day of the start
])
def test_each_misordered_contract_date_is_refused(signed, start, done):
    ctx = contract(signed, start, done)
    assert refusals("contract_dates_ordered", ctx) == ["CONTRACT_DATES_INVALID"]


def test_every_misordered_date_is_reported():
    ctx = contract("2023-05-07", "2023-05-01", "2023-04-01")
    assert refusals("contract_dates_ordered", ctx) == ["CONTRACT_DATES_INVALID"] * 3


@pytest.mark.parametrize(("area", "expected"), [
    (None, []),
    (Decimal("10000.00"), []),
    (Decimal("10000.01"), ["AREA_EXCEEDS_APPROVED"]),
])
def test_supplied_area_is_not_larger_than_approved(area, expected):
    ctx = supplying({"area_m2": area}, total_m2=Decimal("10000.00"))
    assert refusals("supplied_area_within_approved", ctx) == expected
