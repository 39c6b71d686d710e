"""征: the post-approval announcement and compensation."""

from __future__ import annotations

import pytest

from tests.unit.rules.helpers import D, make_ctx, make_parcel, refusals
from workflow.models import Deadline


def announcing(announced_on: str, on: str = "2023-03-24", clocks: list | None = None):
    # Approved Wednesday 2023-03-01: the fifteenth working day after it is 2023-03-22.
    return make_ctx("expropriate",
                    parcel=make_parcel(state="approved", approved_on=D("2023-03-01")),
                    payload={"announced_on": D(announced_on), "compensation_paid": True},
                    effective_date=on, clocks=[] if clocks is None else clocks)


def announcement_clock(due_on: str = "2023-03-22", paused_since: str | None = None):
    return Deadline(kind="expropriation_announcement", due_on=D(due_on),
                    opened_on=D("2023-03-01"), state="paused" if paused_since else "open",
                    paused_since=D(paused_since) if paused_since else None)


def test_the_announcement_is_judged_on_the_clock_the_approval_opened():
    """实施条例 第三十一条: a clock resumed after a pause 2023-03-10 → 03-17 (5 working days)
    is due on 2023-03-29, the fifteenth working day not counting the pause."""
    clocks = [announcement_clock("2023-03-29")]
    assert refusals("announced_within_15_working_days",
                    announcing("2023-03-29", "2023-03-30", clocks)) == []
    late = announcing("2023-03-30", "2023-03-30", clocks)
    assert refusals("announced_within_15_working_days", late) == [
        "EXPROPRIATION_ANNOUNCEMENT_LATE"]
    assert late.violations[0].details["deadline"] == "2023-03-29"


def test_a_clock_paused_on_the_announcement_day_has_moved_by_the_working_days_paused():
    """Paused since Friday 2023-03-17: on Friday 03-31 it has stood 10 working days, so the
    fifteenth working day is 2023-04-06 (Qingming 04-05 is a holiday)."""
    clocks = [announcement_clock(paused_since="2023-03-17")]
    ctx = announcing("2023-03-31", "2023-03-31", clocks)
    assert refusals("announced_within_15_working_days", ctx) == []


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


def test_a_clock_paused_after_its_due_date_moves_only_by_the_working_days_it_stood():
    """A clock paused on Friday 2023-03-24, already two days late: on Tuesday 03-28 it has
    stood two working days (27, 28), so it was due on 2023-03-24, not 03-26."""
    clocks = [announcement_clock(paused_since="2023-03-24")]
    ctx = announcing("2023-03-28", "2023-03-28", clocks)
    assert refusals("announced_within_15_working_days", ctx) == [
        "EXPROPRIATION_ANNOUNCEMENT_LATE"]
    assert ctx.violations[0].details["deadline"] == "2023-03-24"
