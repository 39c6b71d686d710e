"""征: the post-approval announcement and compensation."""

from __future__ import annotations

import pytest

from tests.unit.rules.helpers import D, make_ctx, make_parcel, refusals


def announcing(announced_on: str, on: str = "2023-03-24"):
    # Approved Wednesday 2023-03-01: the fifteenth working day after it is 2023-03-22.
    return make_ctx("expropriate",
                    parcel=make_parcel(state="approved", approved_on=D("2023-03-01")),
                    payload={"announced_on": D(announced_on), "compensation_paid": True},
                    effective_date=on)


@pytest.mark.parametrize(("announced_on", "on"), [
    ("2023-03-01", "2023-03-01"),  # the day of the approval
    ("2023-03-22", "2023-03-24"),  # the fifteenth working day
    ("2023-03-20", "2023-03-20"),  # announced the day of the step
])
def test_an_announcement_within_15_working_days(announced_on, on):
    assert refusals("announced_within_15_working_days", announcing(announced_on, on)) == []


@pytest.mark.parametrize(("announced_on", "on"), [
    ("2023-02-28", "2023-03-24"),  # before the approval
    ("2023-03-23", "2023-03-24"),  # the sixteenth working day
    ("2023-03-21", "2023-03-20"),  # after the step itself
])
def test_an_announcement_outside_the_window_is_late(announced_on, on):
    ctx = announcing(announced_on, on)
    assert refusals("announced_within_15_working_days", ctx) == [
        "EXPROPRIATION_ANNOUNCEMENT_LATE"]
    assert ctx.violations[0].details["deadline"] == "2023-03-22"


def test_paid_compensation_passes():
    ctx = make_ctx("expropriate", parcel=make_parcel(state="approved"),
                   payload={"compensation_paid": True})
    assert refusals("compensation_paid", ctx) == []


@pytest.mark.parametrize("payload", [{"compensation_paid": False}, {}])
def test_unpaid_compensation_is_refused(payload):
    ctx = make_ctx("expropriate", parcel=make_parcel(state="approved"), payload=payload)
    assert refusals("compensation_paid", ctx) == ["COMPENSATION_UNPAID"]
