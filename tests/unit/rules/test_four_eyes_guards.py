"""批: who planned a parcel does not approve it."""

from __future__ import annotations

from tests.unit.rules.helpers import APPROVER, CLERK, make_ctx, make_parcel, refusals
from workflow.access import SYSTEM


def test_another_account_approves():
    ctx = make_ctx("approve", parcel=make_parcel(planned_by_id=CLERK.id), actor=APPROVER)
    assert refusals("approver_is_not_planner", ctx) == []


def test_the_account_that_planned_does_not_approve():
    ctx = make_ctx("approve", parcel=make_parcel(planned_by_id=APPROVER.id), actor=APPROVER)
    assert refusals("approver_is_not_planner", ctx) == ["SAME_ACTOR_FORBIDDEN"]
    assert ctx.violations[0].details == {"actor": "approver"}


def test_an_unknown_planner_is_not_the_system_account():
    # Both ids are None: no account planned it and the system has none; that is no match.
    ctx = make_ctx("approve", parcel=make_parcel(planned_by_id=None), actor=SYSTEM)
    assert refusals("approver_is_not_planner", ctx) == []
