"""Ledger postings of a step: quota deduction (with land-ticket redemption), farmland pairing,
and the release that unwinds them. Accounts and credits were locked by the guards that
planned these postings, in the global lock order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow.context import StepContext
from workflow.effects.registry import effect
from workflow.ledgers.plans import ticket_credits
from workflow.ledgers.postings import post_quota
from workflow.models import FarmlandCredit, FarmlandPairing, QuotaAccount, QuotaEntry
from workflow.models.repository import lock_rows

ZERO = Decimal("0.00")


def _post(ctx: StepContext, account: QuotaAccount, kind: str, amount: Decimal, *,
          document_no: str | None = None, land_ticket_id: int | None = None,
          reverses: QuotaEntry | None = None) -> QuotaEntry:
    """Post through the ledger's one posting function and report the posting for the step."""
    entry = post_quota(ctx.session, account, kind, amount, effective_date=ctx.effective_date,
                       now=ctx.uow.now(), audit_event_id=ctx.event.id if ctx.event else None,
                       parcel_id=ctx.parcel.id if ctx.parcel is not None else None,
                       document_no=document_no, land_ticket_id=land_ticket_id,
                       reverses=reverses)
    ctx.postings.append({
        "ledger": "quota", "account_id": account.id, "entry": kind, "amount_m2": amount,
        "balance_after_m2": entry.balance_after_m2, "reference": document_no,
        "land_ticket_id": land_ticket_id,
    })
    return entry


@effect
def deduct_quota(ctx: StepContext) -> None:
    """Redeem the named land tickets into the account, then deduct the converted area."""
    plan = ctx.plans.quota
    if plan is None:
        return
    doc = ctx.payload.get("approval_no")
    for ticket, used in plan.tickets:
        _post(ctx, plan.account, "land_ticket", used, document_no=ticket.ticket_no,
                   land_ticket_id=ticket.id)
        ticket.remaining_m2 = ticket.remaining_m2 - used
    _post(ctx, plan.account, "deduct", -plan.needed_m2, document_no=doc)


@effect
def pair_farmland_credits(ctx: StepContext) -> None:
    """Consume the credits the guard planned; a land ticket's cultivated area first becomes a
    credit of its own (source 地票) so that the pairing can point at it."""
    plan = ctx.plans.farmland
    if plan is None:
        return
    p = ctx.held
    quota = ctx.plans.quota
    rows: dict[Any, FarmlandCredit] = dict(ctx.plans.farmland_rows)
    for tc in ticket_credits(quota):
        assert quota is not None  # a ticket credit exists only where tickets are redeemed
        ticket = next(t for t, _ in quota.tickets if t.id == tc.ticket_id)
        credit = FarmlandCredit(
            county_code=p.county_code, source="land_ticket", project_no=ticket.ticket_no,
            area_m2=tc.area_m2, paddy_m2=tc.paddy_m2, grade=tc.grade,
            accepted_on=ticket.accepted_on, remaining_area_m2=tc.area_m2,
            remaining_paddy_m2=tc.paddy_m2, land_ticket_id=ticket.id, created_at=ctx.uow.now())
        ctx.session.add(credit)
        ctx.session.flush()
        rows[("ticket", tc.ticket_id)] = credit
    for take in plan.takes:
        credit = rows[take.key]
        credit.remaining_area_m2 = credit.remaining_area_m2 - take.area_m2
        credit.remaining_paddy_m2 = min(credit.remaining_paddy_m2 - take.paddy_m2,
                                        credit.remaining_area_m2)
        ctx.session.add(FarmlandPairing(
            credit_id=credit.id, parcel_id=p.id, audit_event_id=ctx.event.id,
            area_m2=take.area_m2, paddy_m2=take.paddy_m2, occupied_grade=p.farmland_grade,
            paired_on=ctx.effective_date))
        ctx.postings.append({
            "ledger": "farmland", "credit_id": credit.id, "entry": "pair",
            "amount_m2": take.area_m2, "paddy_m2": take.paddy_m2,
            "remaining_after_m2": credit.remaining_area_m2,
        })


@effect
def release_reservations(ctx: StepContext) -> None:
    """Unwind what an approval booked: every unreversed deduction gets a release entry, every
    open pairing gives its area back to its credit. Redeemed land tickets stay redeemed: their
    indicators now belong to the county's ledgers."""
    p = ctx.held
    session = ctx.session
    deductions = session.execute(
        select(QuotaEntry).where(QuotaEntry.parcel_id == p.id, QuotaEntry.kind == "deduct")
        .order_by(QuotaEntry.id)
    ).scalars().all()
    reversed_ids = set(session.execute(
        select(QuotaEntry.reverses_entry_id).where(QuotaEntry.parcel_id == p.id,
                                                   QuotaEntry.reverses_entry_id.is_not(None))
    ).scalars())
    open_deductions = [d for d in deductions if d.id not in reversed_ids]
    accounts = lock_rows(session, QuotaAccount, [d.account_id for d in open_deductions])
    for d in open_deductions:
        _post(ctx, accounts[d.account_id], "release", -d.amount_m2,  # type: ignore[arg-type]
                   document_no=d.document_no, reverses=d)
    pairings = session.execute(
        select(FarmlandPairing).where(FarmlandPairing.parcel_id == p.id,
                                      FarmlandPairing.released_on.is_(None))
        .order_by(FarmlandPairing.id)
    ).scalars().all()
    credits = lock_rows(session, FarmlandCredit, [x.credit_id for x in pairings])
    for pairing in pairings:
        credit: Any = credits[pairing.credit_id]
        credit.remaining_area_m2 = credit.remaining_area_m2 + pairing.area_m2
        credit.remaining_paddy_m2 = credit.remaining_paddy_m2 + pairing.paddy_m2
        pairing.released_on = ctx.effective_date
        pairing.release_event_id = ctx.event.id
        ctx.postings.append({
            "ledger": "farmland", "credit_id": credit.id, "entry": "release",
            "amount_m2": pairing.area_m2, "paddy_m2": pairing.paddy_m2,
            "remaining_after_m2": credit.remaining_area_m2,
        })
