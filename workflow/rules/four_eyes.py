"""Separation of duties: who planned a parcel does not approve it."""

from __future__ import annotations

from workflow.context import StepContext
from workflow.rules.registry import guard


@guard(codes=("SAME_ACTOR_FORBIDDEN",),
       source="DESIGN: approve is fired by an approver who is not the clerk who planned it "
              "(four-eyes principle of administrative review)",
       meaning="The approving account is not the account that planned the parcel.",
       zh="审批人与规划经办人不得为同一人")
def approver_is_not_planner(ctx: StepContext) -> None:
    p = ctx.held
    if p.planned_by_id is not None and ctx.actor.id == p.planned_by_id:
        ctx.violate("SAME_ACTOR_FORBIDDEN", actor=ctx.actor.name)
