"""批: farmland occupation–compensation balance (耕地占补平衡): quantity, quality, paddy, and
compensation before occupation (先补后占)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from workflow.context import StepContext
from workflow.ledgers.pairing import Available, Plan, plan_pairing
from workflow.ledgers.plans import ticket_credits
from workflow.models import FarmlandCredit
from workflow.models.repository import lock_rows
from workflow.rules.registry import guard

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@guard(codes=("FARMLAND_BALANCE_UNMET", "FARMLAND_QUALITY_INSUFFICIENT",
              "FARMLAND_CREDIT_NOT_ACCEPTED", "FARMLAND_CREDIT_INVALID"),
       source="土地管理法 第三十条; 实施条例 第八条; 中发〔2017〕4号 (占一补一、占优补优、"
              "占水田补水田, 先补后占)",
       meaning="Occupied farmland is paired with accepted credits of at least equal area, paddy "
               "for paddy, of equal or better grade, accepted no later than the approval.",
       zh="耕地占补平衡：占一补一、占优补优、占水田补水田，先补后占")
def farmland_balanced(ctx: StepContext) -> None:
    p = ctx.held
    need_area, need_paddy, grade = p.farmland_m2, p.paddy_m2, p.farmland_grade
    if need_area <= 0:
        return
    assert grade is not None
    approval_date = ctx.effective_date
    named = ctx.payload.get("farmland_credit_ids")
    session = ctx.session
    if named:
        credits = (lock_rows(session, FarmlandCredit, named) if not ctx.dry_run else
                   {c.id: c for c in session.execute(
                       select(FarmlandCredit).where(FarmlandCredit.id.in_(named))).scalars()})
        pool_rows = []
        for cid in named:
            c = credits.get(cid)
            if c is None or c.county_code != p.county_code:
                ctx.violate("FARMLAND_CREDIT_INVALID", credit_id=cid,
                            reason="不存在或非本县 / unknown or another county's")
            elif c.grade > grade:
                ctx.violate("FARMLAND_QUALITY_INSUFFICIENT", credit_id=cid,
                            credit_grade=c.grade, occupied_grade=grade,
                            article="中发〔2017〕4号 占优补优")
            elif c.accepted_on > approval_date:
                ctx.violate("FARMLAND_CREDIT_NOT_ACCEPTED", credit_id=cid,
                            accepted_on=c.accepted_on, approval_date=approval_date,
                            article="先补后占")
            elif c.remaining_area_m2 <= 0:
                ctx.violate("FARMLAND_CREDIT_INVALID", credit_id=cid,
                            reason="已用完 / used up")
            else:
                pool_rows.append(c)
    else:
        eligible = (
            select(FarmlandCredit)
            .where(FarmlandCredit.county_code == p.county_code,
                   FarmlandCredit.remaining_area_m2 > 0,
                   FarmlandCredit.grade <= grade,
                   FarmlandCredit.accepted_on <= approval_date)
            .order_by(FarmlandCredit.id)
        )
        if not ctx.dry_run:
            # Every candidate is locked, in id order: two approvals competing for the same
            # credits serialise here instead of both counting the same square metres.
            eligible = eligible.with_for_update().execution_options(populate_existing=True)
        rows = list(session.execute(eligible).scalars())
        # Use the worst acceptable grade first, keeping better land for better occupations.
        pool_rows = sorted(rows, key=lambda c: (-c.grade, c.accepted_on, c.id))
    pool = [Available(c.id, c.remaining_area_m2, c.remaining_paddy_m2, c.grade)
            for c in pool_rows]
    for tc in ticket_credits(ctx.plans.quota):
        if tc.grade <= grade:
            pool.append(Available(("ticket", tc.ticket_id), tc.area_m2, tc.paddy_m2, tc.grade))
    plan: Plan = plan_pairing(need_area, need_paddy, pool)
    if not plan.covers(need_area, need_paddy):
        ctx.violate("FARMLAND_BALANCE_UNMET", required_m2=need_area,
                    required_paddy_m2=need_paddy, occupied_grade=grade,
                    available_m2=sum((a.area_m2 for a in pool), ZERO),
                    available_paddy_m2=sum((a.paddy_m2 for a in pool), ZERO),
                    article="土地管理法 第三十条")
        return
    ctx.plans.farmland = plan
    ctx.plans.farmland_rows = {c.id: c for c in pool_rows}
