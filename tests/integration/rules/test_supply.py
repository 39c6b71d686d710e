"""供: planning conditions, supply method, maximum terms, contract dates, area."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.integration.rules.helpers import refused


def test_land_without_planning_conditions_is_not_supplied(world, runtime):
    pid = world.parcel_in("expropriated")
    runtime.test_connection.execute(
        text("UPDATE parcels SET planning_conditions = NULL WHERE id = :id"), {"id": pid})
    assert refused(world, pid, "supply") == {"PLANNING_CONDITIONS_MISSING"}


@pytest.mark.parametrize(("use", "method", "users", "ok"), [
    ("industrial", "agreement", 1, False),
    ("industrial", "listing", 1, True),
    ("commodity_housing", "lease", 1, False),
    ("commercial", "auction", 1, True),
    ("public_service", "allocation", 1, True),
    ("public_service", "agreement", 2, False),
    ("public_service", "tender", 2, True),
    ("commercial", "allocation", 1, False),
    ("education", "allocation", 1, True),
    ("residential", "allocation", 1, False),
    ("residential", "agreement", 1, True),
])
def test_supply_method(world, use, method, users, ok):
    pid = world.parcel_in("surveyed")
    world.fire(pid, "plan", planned_use=use)
    world.pre_approval_records(pid)
    world.fire(pid, "approve")
    world.fire(pid, "expropriate")
    term = None if method == "allocation" else 40
    if ok:
        world.fire(pid, "supply", method=method, intending_users=users, term_years=term)
        assert world.state_of(pid) == "supplied"
    else:
        assert refused(world, pid, "supply", method=method, intending_users=users,
                       term_years=term) == {"SUPPLY_METHOD_NOT_ALLOWED"}


@pytest.mark.parametrize(("use", "term", "ok"), [
    ("commercial", 40, True), ("commercial", 41, False), ("tourism", 41, False),
    ("commodity_housing", 70, True), ("commodity_housing", 71, False),
    ("industrial", 50, True), ("industrial", 51, False), ("education", 51, False),
    ("other", 50, True), ("other", 51, False),
])
def test_maximum_grant_terms(world, use, term, ok):
    pid = world.parcel_in("surveyed")
    world.fire(pid, "plan", planned_use=use)
    world.pre_approval_records(pid)
    world.fire(pid, "approve")
    world.fire(pid, "expropriate")
    if ok:
        world.fire(pid, "supply", term_years=term)
    else:
        assert refused(world, pid, "supply", term_years=term) == {"TERM_EXCEEDS_MAXIMUM"}


def test_paid_use_needs_a_term(world):
    pid = world.parcel_in("expropriated")
    assert refused(world, pid, "supply", term_years=None) == {"TERM_REQUIRED"}


def test_contract_dates_must_be_ordered(world):
    pid = world.parcel_in("expropriated")
    assert refused(world, pid, "supply", agreed_start_date="2023-05-01") == {
        "CONTRACT_DATES_INVALID"}
    assert refused(world, pid, "supply", agreed_completion_date="2023-08-01") == {
        "CONTRACT_DATES_INVALID"}
    assert refused(world, pid, "supply", signed_on="2023-05-07") == {"CONTRACT_DATES_INVALID"}


def test_supplied_area_is_not_larger_than_approved(world):
    pid = world.parcel_in("expropriated")
    assert refused(world, pid, "supply", area_m2="10000.01") == {"AREA_EXCEEDS_APPROVED"}
    world.fire(pid, "supply", area_m2="10000.00")
