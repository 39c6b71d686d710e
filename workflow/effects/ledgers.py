"""Ledger postings of a step: quota deduction (with land-ticket redemption), farmland pairing,
and the release that unwinds them. Accounts and credits were locked by the guards that
planned these postings, in the global lock order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow.context import StepContext
from workflow.effects.registry import effect
from workflow.ledgers.plans import ticket_credits, ticket_share
from workflow.ledgers.postings import post_quota
from workflow.models import FarmlandCredit, FarmlandPairing, LandTicket, QuotaAccount, QuotaEntry
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
    credit of its own (source 地票) so that the pairing can point at it — also when this
    approval occupies no farmland: the reclaimed land then balances a later one (RULES §11.4)."""
    plan = ctx.plans.farmland
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
    if plan is None:
        return
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
    """Unwind what an approval booked, each posting to the source it came from: a deduction
    goes back to its account, a redeemed land ticket's area goes back to the ticket (never into
    the annual quota), every open pairing gives its area back to its credit, and the farmland
    credit a returned ticket's cultivated land became goes back into the ticket.

    Basis: 土地管理法 第二十三条 and 土地利用年度计划管理办法 第二条 (the annual plan is the
    state's allocation; a 地票 is an indicator of its own, 重庆市地票管理办法 第二条; RULES §11).
    Lock order: accounts by id, tickets by id, credits by id (as the approval's guards)."""
    p = ctx.held
    session = ctx.session
    booked = session.execute(
        select(QuotaEntry).where(QuotaEntry.parcel_id == p.id,
                                 QuotaEntry.kind.in_(("deduct", "land_ticket")))
        .order_by(QuotaEntry.id)
    ).scalars().all()
    reversed_ids = set(session.execute(
        select(QuotaEntry.reverses_entry_id).where(QuotaEntry.parcel_id == p.id,
                                                   QuotaEntry.reverses_entry_id.is_not(None))
    ).scalars())
    open_entries = [e for e in booked if e.id not in reversed_ids]
    redeemed = [e for e in open_entries if e.kind == "land_ticket"]
    pairings = session.execute(
        select(FarmlandPairing).where(FarmlandPairing.parcel_id == p.id,
                                      FarmlandPairing.released_on.is_(None))
        .order_by(FarmlandPairing.id)
    ).scalars().all()
    # A pairing may hold area of a credit that another approval's ticket redemption created; if
    # that ticket was returned meanwhile, the area this release frees belongs to the ticket too.
    paired_tickets = set(session.execute(
        select(FarmlandCredit.land_ticket_id).where(
            FarmlandCredit.id.in_([x.credit_id for x in pairings]),
            FarmlandCredit.land_ticket_id.is_not(None))
    ).scalars()) if pairings else set()
    accounts = lock_rows(session, QuotaAccount, [e.account_id for e in open_entries])
    tickets = lock_rows(session, LandTicket, [e.land_ticket_id for e in redeemed
                                              if e.land_ticket_id is not None]
                        + sorted(paired_tickets))
    ticket_credit_ids = list(session.execute(
        select(FarmlandCredit.id).where(FarmlandCredit.land_ticket_id.in_(list(tickets)))
    ).scalars()) if tickets else []
    credits = lock_rows(session, FarmlandCredit,
                        [x.credit_id for x in pairings] + ticket_credit_ids)
    # 1. Deductions first: the account then holds at least what the tickets put into it.
    for d in open_entries:
        if d.kind == "deduct":
            _post(ctx, accounts[d.account_id], "release", -d.amount_m2,  # type: ignore[arg-type]
                  document_no=d.document_no, reverses=d)
    # 2. Pairings give their area back to their credits.
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
    # 3. Redeemed ticket area leaves the account and returns to its ticket.
    for e in redeemed:
        ticket: Any = tickets[e.land_ticket_id]  # type: ignore[index]
        _post(ctx, accounts[e.account_id], "release", -e.amount_m2,  # type: ignore[arg-type]
              document_no=e.document_no, land_ticket_id=ticket.id, reverses=e)
        ticket.remaining_m2 = ticket.remaining_m2 + e.amount_m2
    # 4. And so does the cultivated land it carried, from its credits' unused area — for the
    #    tickets this approval redeemed, and for those whose credits its pairings gave area back
    #    to (a ticket returned by an earlier release gets that area once it is unused).
    for ticket_id in sorted(tickets):
        ticket = tickets[ticket_id]
        _return_to_ticket(ctx, ticket, [c for c in credits.values()  # type: ignore[misc]
                                        if c.land_ticket_id == ticket_id])


def _return_to_ticket(ctx: StepContext, ticket: LandTicket, ticket_credits_: list[Any]) -> None:
    """Shrink the ticket's credits (newest first, unused area only) until together they hold
    the share of what is still redeemed from the ticket. A credit keeps the area another
    approval has paired; a later redemption of the ticket credits only what is missing."""
    want_area, want_paddy = ticket_share(ticket, ticket.area_m2 - ticket.remaining_m2)
    excess_area = sum((c.area_m2 for c in ticket_credits_), ZERO) - want_area
    excess_paddy = sum((c.paddy_m2 for c in ticket_credits_), ZERO) - want_paddy
    for credit in sorted(ticket_credits_, key=lambda c: -c.id):
        if excess_area <= 0 and excess_paddy <= 0:
            break
        area = min(max(excess_area, ZERO), credit.remaining_area_m2)
        dry = credit.remaining_area_m2 - credit.remaining_paddy_m2
        # Paddy goes too where the dry area left would not cover the area taken.
        paddy = min(credit.remaining_paddy_m2, max(excess_paddy, area - dry, ZERO))
        if area <= 0 and paddy <= 0:
            continue
        credit.area_m2 = credit.area_m2 - area
        credit.remaining_area_m2 = credit.remaining_area_m2 - area
        credit.paddy_m2 = credit.paddy_m2 - paddy
        credit.remaining_paddy_m2 = credit.remaining_paddy_m2 - paddy
        excess_area -= area
        excess_paddy -= paddy
        ctx.postings.append({
            "ledger": "farmland", "credit_id": credit.id, "entry": "return_to_ticket",
            "amount_m2": area, "paddy_m2": paddy, "land_ticket_id": ticket.id,
            "remaining_after_m2": credit.remaining_area_m2,
        })
