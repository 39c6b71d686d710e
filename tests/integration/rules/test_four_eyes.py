"""批: who planned a parcel does not approve it."""

from __future__ import annotations

from tests.integration.rules.helpers import ready_to_approve, refused
from workflow.models import Parcel


def test_the_approver_may_not_be_the_account_that_planned(world, runtime):
    pid = ready_to_approve(world)
    runtime_actor = world.actors["clerk"]
    with runtime.uow() as uow:
        p = uow.session.get(Parcel, pid)
        p.planned_by_id = world.actors["approver"].id  # an approver who also planned it
        uow.commit()
    assert refused(world, pid, "approve") == {"SAME_ACTOR_FORBIDDEN"}
    with runtime.uow() as uow:
        uow.session.get(Parcel, pid).planned_by_id = runtime_actor.id
        uow.commit()
    world.fire(pid, "approve")
    assert world.state_of(pid) == "approved"
