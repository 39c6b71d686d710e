"""What a guard hands to the ledger effects: the quota it will deduct (with the land tickets it
redeems) and the land-ticket farmland credits that pairing will create."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.models import FarmlandCredit, LandTicket, QuotaAccount

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass
class QuotaPlan:
    account: QuotaAccount
    needed_m2: Decimal
    tickets: list[tuple[LandTicket, Decimal]] = field(default_factory=list)
    # Per ticket, before this approval: (area redeemed, cultivated and paddy area credited).
    credited: dict[int, tuple[Decimal, Decimal, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketCredit:
    """A farmland credit that redeeming a land ticket will create (the ticket's cultivated and
    paddy area, in proportion to the part redeemed)."""

    ticket_id: int
    area_m2: Decimal
    paddy_m2: Decimal
    grade: int


def ticket_share(ticket: LandTicket, redeemed_m2: Decimal) -> tuple[Decimal, Decimal]:
    """The cultivated and paddy area that ``redeemed_m2`` of a ticket carries, in proportion."""
    share = redeemed_m2 / ticket.area_m2
    area = (ticket.cultivated_m2 * share).quantize(CENT)
    return area, min((ticket.paddy_m2 * share).quantize(CENT), area)


def credited_from_tickets(session: Session, tickets: list[LandTicket]
                          ) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """What each ticket has given so far: area redeemed, and the cultivated and paddy area its
    farmland credits hold (a credit returned to its ticket on a release holds less)."""
    ids = [t.id for t in tickets]
    sums = {row[0]: (row[1], row[2]) for row in session.execute(
        select(FarmlandCredit.land_ticket_id, func.sum(FarmlandCredit.area_m2),
               func.sum(FarmlandCredit.paddy_m2))
        .where(FarmlandCredit.land_ticket_id.in_(ids))
        .group_by(FarmlandCredit.land_ticket_id)).all()} if ids else {}
    return {t.id: (t.area_m2 - t.remaining_m2, *sums.get(t.id, (ZERO, ZERO))) for t in tickets}


def ticket_credits(plan: QuotaPlan | None) -> list[TicketCredit]:
    """Counted cumulatively: after this redemption the ticket's credits together hold the share
    of everything redeemed from it, so that a ticket returned by a release and redeemed again
    never credits its cultivated land twice."""
    if plan is None:
        return []
    found = []
    for ticket, used in plan.tickets:
        redeemed, area_done, paddy_done = plan.credited.get(ticket.id, (ZERO, ZERO, ZERO))
        area_total, paddy_total = ticket_share(ticket, redeemed + used)
        area = max(area_total - area_done, ZERO)
        paddy = min(max(paddy_total - paddy_done, ZERO), area)
        if area > 0:
            found.append(TicketCredit(ticket.id, area, paddy, ticket.grade))
    return found
