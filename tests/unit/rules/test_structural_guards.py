"""Structural guards: the effective date of a step, and which ownership an edge applies to."""

from __future__ import annotations

import pytest

from tests.unit.rules.helpers import D, make_ctx, make_parcel, refusals


def test_an_effective_date_of_today_is_accepted():
    ctx = make_ctx("plan", effective_date="2026-06-30", today=D("2026-06-30"))
    assert refusals("effective_date_not_in_future", ctx) == []


def test_an_effective_date_of_tomorrow_is_in_the_future():
    ctx = make_ctx("plan", effective_date="2026-07-01", today=D("2026-06-30"))
    assert refusals("effective_date_not_in_future", ctx) == ["EFFECTIVE_DATE_IN_FUTURE"]
    assert ctx.violations[0].details == {"effective_date": "2026-07-01", "today": "2026-06-30"}


def test_a_step_on_the_day_of_the_last_event_is_accepted():
    ctx = make_ctx("approve", parcel=make_parcel(last_effective_date=D("2023-02-01")),
                   effective_date="2023-02-01")
    assert refusals("effective_date_not_before_last_event", ctx) == []


def test_a_step_the_day_before_the_last_event_is_refused():
    ctx = make_ctx("approve", parcel=make_parcel(last_effective_date=D("2023-02-01")),
                   effective_date="2023-01-31")
    assert refusals("effective_date_not_before_last_event", ctx) == [
        "EFFECTIVE_DATE_BEFORE_LAST_EVENT"]
    assert ctx.violations[0].details["last_effective_date"] == "2023-02-01"


def test_collective_land_is_expropriated():
    ctx = make_ctx("expropriate", parcel=make_parcel(ownership="collective", state="approved"))
    assert refusals("collective_land_only", ctx) == []


def test_state_owned_land_is_not_expropriated():
    ctx = make_ctx("expropriate", parcel=make_parcel(ownership="state", state="approved"))
    assert refusals("collective_land_only", ctx) == ["EXPROPRIATION_NOT_APPLICABLE"]
    assert ctx.violations[0].details == {"ownership": "state"}


@pytest.mark.parametrize(("ownership", "state", "expected"), [
    ("collective", "approved", ["EXPROPRIATION_REQUIRED"]),
    ("collective", "expropriated", []),
    ("collective", "recovered", []),
    ("state", "approved", []),
])
def test_collective_land_is_supplied_only_once_expropriated(ownership, state, expected):
    ctx = make_ctx("supply", parcel=make_parcel(ownership=ownership, state=state))
    assert refusals("collective_land_expropriated_first", ctx) == expected
