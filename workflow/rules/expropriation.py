"""征: the post-approval announcement and compensation."""

from __future__ import annotations

from workflow.context import StepContext
from workflow.deadlines.calendar import add_working_days
from workflow.deadlines.clocks import running
from workflow.deadlines.pauses import due_on_day
from workflow.rules.registry import guard


@guard(codes=("EXPROPRIATION_ANNOUNCEMENT_LATE",),
       source="实施条例 第三十一条", precheck=False,
       meaning="The expropriation announcement is published within 15 working days after the "
               "approval is received (the approval's clock, a pause moving it by the working "
               "days it covered), and not before it.")
def announced_within_15_working_days(ctx: StepContext) -> None:
    p = ctx.held
    assert p.approved_on is not None
    announced = ctx.payload["announced_on"]
    clock = running(ctx, "expropriation_announcement")
    if clock:
        # The clock the approval opened, moved by its pauses in working days (paused on the
        # day of the announcement: as it stood that day).
        deadline = due_on_day(clock[-1], announced)
    else:
        days = ctx.law.value("expro.post_approval_announcement_working_days")
        deadline = add_working_days(p.approved_on, days)
    if not (p.approved_on <= announced <= deadline) or announced > ctx.effective_date:
        ctx.violate("EXPROPRIATION_ANNOUNCEMENT_LATE", announced_on=announced,
                    approved_on=p.approved_on, deadline=deadline,
                    effective_date=ctx.effective_date, article="实施条例 第三十一条")


@guard(codes=("COMPENSATION_UNPAID",), source="土地管理法 第四十八条 (先补偿后搬迁)",
       precheck=False,
       meaning="Compensation is paid in full before the land is taken.")
def compensation_paid(ctx: StepContext) -> None:
    if not ctx.payload.get("compensation_paid"):
        ctx.violate("COMPENSATION_UNPAID", article="土地管理法 第四十八条")
