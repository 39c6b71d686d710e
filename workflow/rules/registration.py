"""登: no certificate until the land price and any idle-land fee are fully paid."""

from __future__ import annotations

from decimal import Decimal

from workflow.context import StepContext, paid
from workflow.rules.registry import guard

ZERO = Decimal("0.00")


@guard(codes=("PAYMENT_OUTSTANDING",),
       source="39号令; 财综〔2009〕74号; RULES.md §7.5 (no certificate before full payment)",
       meaning="The land price is paid in full (payment records) before first registration.",
       zh="土地出让价款已全部缴清方可办理首次登记")
def land_price_fully_paid(ctx: StepContext) -> None:
    p = ctx.held
    due = p.price_yuan or ZERO
    got = paid(ctx, "payment", "land_price")
    if got < due:
        ctx.violate("PAYMENT_OUTSTANDING", what="土地出让价款", what_en="Land price",
                    due_yuan=due, paid_yuan=got, outstanding_yuan=due - got)


@guard(codes=("PAYMENT_OUTSTANDING",),
       source="闲置土地处置办法 第十四条、第十七条",
       meaning="Any idle-land fee decided for the parcel is paid before registration.",
       zh="已决定的土地闲置费缴清后方可办理登记")
def idle_fee_fully_paid(ctx: StepContext) -> None:
    p = ctx.held
    due = p.idle_fee_yuan or ZERO
    if due <= 0:
        return
    got = paid(ctx, "payment", "idle_fee")
    if got < due:
        ctx.violate("PAYMENT_OUTSTANDING", what="土地闲置费", what_en="Idle-land fee",
                    due_yuan=due, paid_yuan=got, outstanding_yuan=due - got)
