"""Effects on the legal clocks (``workflow.deadlines``), for transitions and records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from workflow.context import StepContext, paid
from workflow.deadlines import clocks as deadlines
from workflow.effects.registry import effect


@effect
def open_approval_deadlines(ctx: StepContext) -> None:
    deadlines.on_approve(ctx)


@effect
def close_expropriation_deadlines(ctx: StepContext) -> None:
    deadlines.on_expropriate(ctx)


@effect
def open_contract_deadlines(ctx: StepContext) -> None:
    deadlines.on_supply(ctx)


@effect
def note_late_hand_over(ctx: StepContext) -> None:
    deadlines.on_hand_over(ctx)


@effect
def close_start_deadlines(ctx: StepContext) -> None:
    deadlines.on_start_construction(ctx)


@effect
def close_completion_deadline(ctx: StepContext) -> None:
    deadlines.on_inspect(ctx)


@effect
def close_registration_deadlines(ctx: StepContext) -> None:
    deadlines.on_register(ctx)


@effect
def stop_all_deadlines(ctx: StepContext) -> None:
    deadlines.on_end(ctx)


@effect
def decide_idle_fee(ctx: StepContext) -> None:
    """User cause: the idle-land fee is 20% of the land price (闲置土地处置办法 第十四条);
    government cause or force majeure owe none (第八条). Opens the fee-payment clock."""
    p = ctx.held
    if ctx.payload["cause"] == "user":
        rate = ctx.law.value("idle.fee_rate")
        p.idle_fee_yuan = ((p.price_yuan or Decimal(0)) * rate).quantize(Decimal("0.01"))
    else:
        p.idle_fee_yuan = Decimal("0.00")
    deadlines.on_declare_idle(ctx)


@effect
def close_idle_clocks(ctx: StepContext) -> None:
    deadlines.on_resume(ctx)


# --- records ----------------------------------------------------------------------------------


@effect
def apply_payment(ctx: StepContext) -> None:
    on: date = ctx.payload["date"]
    totals = {"land_price": paid(ctx, "payment", "land_price"),
              "idle_fee": paid(ctx, "payment", "idle_fee")}
    deadlines.on_payment(ctx, totals, on)


@effect
def open_registration_deadline(ctx: StepContext) -> None:
    deadlines.on_registration_accepted(ctx, ctx.payload["date"])


@effect
def close_idle_investigation(ctx: StepContext) -> None:
    deadlines.close(ctx, deadlines.running(ctx, "idle_investigation"), "met",
                    ctx.payload["date"])


@effect
def apply_idle_disposal(ctx: StepContext) -> None:
    deadlines.on_idle_disposal(ctx, ctx.payload.get("details") or {}, ctx.payload["date"])


@effect
def pause_clock(ctx: StepContext) -> None:
    deadlines.pause(ctx)


@effect
def resume_clock(ctx: StepContext) -> None:
    deadlines.resume(ctx)
