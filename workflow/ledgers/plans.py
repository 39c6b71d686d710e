"""What a guard hands to the ledger effects: the quota it will deduct (with the land tickets it
redeems) and the land-ticket farmland credits that pairing will create."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from workflow.models import LandTicket, QuotaAccount

CENT = Decimal("0.01")


@dataclass
class QuotaPlan:
    account: QuotaAccount
    needed_m2: Decimal
    tickets: list[tuple[LandTicket, Decimal]] = field(default_factory=list)


@dataclass(frozen=True)
class TicketCredit:
    """A farmland credit that redeeming a land ticket will create (the ticket's cultivated and
    paddy area, in proportion to the part redeemed)."""

    ticket_id: int
    area_m2: Decimal
    paddy_m2: Decimal
    grade: int


def ticket_credits(plan: QuotaPlan | None) -> list[TicketCredit]:
    if plan is None:
        return []
    found = []
    for ticket, used in plan.tickets:
        share = used / ticket.area_m2
        area = (ticket.cultivated_m2 * share).quantize(CENT)
        paddy = min((ticket.paddy_m2 * share).quantize(CENT), area)
        if area > 0:
            found.append(TicketCredit(ticket.id, area, paddy, ticket.grade))
    return found
