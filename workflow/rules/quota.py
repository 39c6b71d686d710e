"""批: new-construction-land quota (新增建设用地计划指标) and land tickets (地票)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from workflow.context import StepContext
from workflow.ledgers.plans import QuotaPlan, credited_from_tickets
from workflow.models import LandTicket, QuotaAccount
from workflow.models.repository import lock_rows
from workflow.rules.registry import guard

ZERO = Decimal("0.00")


def _account(ctx: StepContext) -> QuotaAccount | None:
    """The named account, or the county's general account for the approval year."""
    p = ctx.held
    session = ctx.session
    account_id = ctx.payload.get("quota_account_id")
    if account_id is None:
        account_id = session.execute(
            select(QuotaAccount.id).where(
                QuotaAccount.county_code == p.county_code,
                QuotaAccount.year == ctx.effective_date.year,
                QuotaAccount.category == "general",
            )
        ).scalar_one_or_none()
        if account_id is None:
            return None
    if ctx.dry_run:
        return session.get(QuotaAccount, account_id)
    locked = lock_rows(session, QuotaAccount, [account_id])
    return locked.get(account_id)  # type: ignore[return-value]


@guard(codes=("QUOTA_INSUFFICIENT", "QUOTA_ACCOUNT_MISSING", "QUOTA_ACCOUNT_INVALID",
              "LAND_TICKET_UNAVAILABLE"),
       source="土地管理法 第二十三条、第四十四条; 土地利用年度计划管理办法 (66号令) 第二条; "
              "重庆市地票管理办法",
       meaning="The year's quota account (plus any land tickets redeemed) covers the "
               "agricultural and unused land converted to construction.")
def quota_available(ctx: StepContext) -> None:
    """Locks the account row so that this check and the deduction see the same balance."""
    p = ctx.held
    needed = p.converted_to_construction_m2
    if needed <= 0:
        return  # existing construction land consumes no quota
    account = _account(ctx)
    year = ctx.effective_date.year
    if account is None:
        if ctx.payload.get("quota_account_id") is not None:
            ctx.violate("QUOTA_ACCOUNT_INVALID", account_id=ctx.payload["quota_account_id"],
                        reason="不存在 / no such account")
        else:
            ctx.violate("QUOTA_ACCOUNT_MISSING", required_m2=needed, year=year,
                        article="土地管理法 第二十三条")
        return
    if account.county_code != p.county_code or account.year != year:
        ctx.violate("QUOTA_ACCOUNT_INVALID", account_id=account.id,
                    reason=f"账户属 {account.county_code} {account.year} 年度，审批为 "
                           f"{p.county_code} {year} 年度 / account is for another county or year")
        return
    plan = QuotaPlan(account, needed)
    left = needed
    ticket_ids = ctx.payload.get("land_ticket_ids") or []
    tickets = (lock_rows(ctx.session, LandTicket, ticket_ids) if not ctx.dry_run else
               {t.id: t for t in ctx.session.execute(
                   select(LandTicket).where(LandTicket.id.in_(ticket_ids))).scalars()})
    for tid in ticket_ids:
        ticket = tickets.get(tid)
        if ticket is None:
            ctx.violate("LAND_TICKET_UNAVAILABLE", ticket_id=tid, reason="不存在 / no such ticket")
            continue
        if ticket.county_code != p.county_code:
            ctx.violate("LAND_TICKET_UNAVAILABLE", ticket_id=tid,
                        reason="非本县购入 / bought for another county")
            continue
        if ticket.remaining_m2 <= 0:
            ctx.violate("LAND_TICKET_UNAVAILABLE", ticket_id=tid, reason="已用完 / used up")
            continue
        if ticket.traded_on > ctx.effective_date:
            ctx.violate("LAND_TICKET_UNAVAILABLE", ticket_id=tid,
                        reason=f"{ticket.traded_on} 方成交 / traded after the approval date")
            continue
        use = min(ticket.remaining_m2, left)
        if use > 0:
            plan.tickets.append((ticket, use))
            left -= use
    from_tickets = needed - left
    if account.balance_m2 < left:
        ctx.violate("QUOTA_INSUFFICIENT", required_m2=needed, available_m2=account.balance_m2,
                    land_tickets_m2=from_tickets, account_id=account.id, year=year,
                    article="土地管理法 第二十三条; 66号令 第二条")
        return
    plan.credited = credited_from_tickets(ctx.session, [t for t, _ in plan.tickets])
    ctx.plans.quota = plan
