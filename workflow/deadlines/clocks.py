"""The deadline engine: legal clocks opened and closed by transitions and records.

Each clock is a ``Deadline`` row with its due date, legal basis and a human explanation of how
the date was computed. Closing a clock after its due date records a breach ("met late"), so the
final state does not depend on whether the daily sweep ran in between.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select

from workflow.context import StepContext
from workflow.deadlines.calendar import (
    add_years,
    explain_days,
    explain_months,
    explain_working_days,
    explain_years,
)
from workflow.deadlines.pauses import moved_by_pause
from workflow.deadlines.queries import deadline_view
from workflow.errors import ValidationFailed
from workflow.models import Deadline

RUNNING = ("open", "paused")


# Built once (each step reads its parcel's clocks): no construction or cache key per call.
_RUNNING_CLOCKS = (select(Deadline).where(Deadline.parcel_id == bindparam("parcel_id"),
                                          Deadline.closed_on.is_(None),
                                          Deadline.state.in_(("open", "paused", "breached")))
                   .order_by(Deadline.id))


def _clocks(ctx: StepContext) -> list[Deadline]:
    """The parcel's clocks that have not closed, read once per step and kept current by
    ``open_deadline`` and ``close`` (every effect of a step sees the same list)."""
    assert ctx.parcel is not None
    cached = ctx.clocks
    if cached is None:
        session = ctx.session
        params = {"parcel_id": ctx.parcel.id}
        if _deadlines_pending(session):
            cached = list(session.execute(_RUNNING_CLOCKS, params).scalars())
        else:
            # Nothing this query could find is waiting to be written: without the autoflush,
            # the step's pending parcel changes go out once, with its own flush, rather than
            # once here and again there (a second UPDATE of the parcel and a second flush).
            with session.no_autoflush:
                cached = list(session.execute(_RUNNING_CLOCKS, params).scalars())
        ctx.clocks = cached
    return cached


def _deadlines_pending(session: Any) -> bool:
    return any(isinstance(o, Deadline) for o in session.new) or any(
        isinstance(o, Deadline) for o in session.dirty)


def clocks_view(ctx: StepContext) -> list[dict[str, Any]]:
    """The open clocks after the step, for the response, without reading them again."""
    rows = sorted(_clocks(ctx), key=lambda d: (d.due_on, d.id or 0))
    return [deadline_view(d) for d in rows if d.closed_on is None]


def open_deadline(ctx: StepContext, kind: str, due_and_text: tuple[date, str], basis: str, *,
                  opened_on: date | None = None, **extra: Any) -> Deadline:
    assert ctx.parcel is not None
    due, text = due_and_text
    now = ctx.uow.now()
    # Read the running clocks before adding this one: reading them afterwards would flush the
    # new row and find it, and the list would then hold it twice.
    clocks = _clocks(ctx)
    row = Deadline(parcel_id=ctx.parcel.id, township_id=ctx.parcel.township_id, kind=kind,
                   due_on=due, basis=basis,
                   explanation=text, state="open", opened_on=opened_on or ctx.effective_date,
                   opened_event_id=ctx.event.id if ctx.event is not None else None,
                   created_at=now, updated_at=now, **extra)
    ctx.session.add(row)
    clocks.append(row)
    ctx.deadlines.append({"opened": kind, "due_on": due, "explanation": text})
    return row


def running(ctx: StepContext, *kinds: str) -> list[Deadline]:
    return [d for d in _clocks(ctx) if d.closed_on is None and (not kinds or d.kind in kinds)]


def close(ctx: StepContext, rows: list[Deadline], outcome: str, on: date | None = None) -> None:
    """Close clocks: ``met`` (late if after the due date: then ``breached``) or ``cancelled``."""
    on = on or ctx.effective_date
    for d in rows:
        if outcome == "met" and on > d.due_on:
            d.state = "breached"
            d.breached_on = d.breached_on or _day_after(d.due_on)
        elif d.state != "breached":
            d.state = outcome
        d.closed_on = max(on, d.opened_on)
        d.closed_event_id = ctx.event.id if ctx.event is not None else None
        d.updated_at = ctx.uow.now()
        ctx.deadlines.append({"closed": d.kind, "state": d.state, "on": d.closed_on})


def _day_after(d: date) -> date:
    return d + timedelta(days=1)


# --- what each step does to the clocks -------------------------------------------------------


def on_approve(ctx: StepContext) -> None:
    p = ctx.held
    years = ctx.law.value("approval.validity_years")
    open_deadline(ctx, "approval_lapse", explain_years(ctx.effective_date, years, "approval"),
                  "国发〔2004〕28号 第十九条")
    if p.ownership == "collective":
        days = ctx.law.value("expro.post_approval_announcement_working_days")
        open_deadline(ctx, "expropriation_announcement",
                      explain_working_days(ctx.effective_date, days, "approval"),
                      "土地管理法实施条例 第三十一条")


def on_expropriate(ctx: StepContext) -> None:
    close(ctx, running(ctx, "expropriation_announcement"), "met", ctx.payload["announced_on"])
    close(ctx, running(ctx, "approval_lapse"), "met")


def open_use_clocks(ctx: StepContext, start: date, completion: date, opened_on: date) -> None:
    """The agreed start (供而未用 after it), the idle clock (fee at one full year, recovery at
    two) and the agreed completion."""
    p = ctx.held
    open_deadline(ctx, "agreed_start", (start, f"{start.isoformat()} = agreed start date"),
                  "国有建设用地使用权出让合同 (GF-2008-2601)", opened_on=opened_on)
    fee_years = ctx.law.value("idle.not_started_threshold_years")
    recovery = explain_years(start, ctx.law.value("idle.recovery_threshold_years"), "agreed start")
    open_deadline(ctx, "idle_clock", explain_years(start, fee_years, "agreed start"),
                  "闲置土地处置办法 第二条、第十四条", opened_on=opened_on, clock_start=start,
                  recovery_on=recovery[0], amount_yuan=p.price_yuan)
    open_deadline(ctx, "agreed_completion",
                  (completion, f"{completion.isoformat()} = agreed completion date"),
                  "国有建设用地使用权出让合同 (GF-2008-2601)", opened_on=opened_on)


def on_supply(ctx: StepContext) -> None:
    close(ctx, running(ctx, "approval_lapse"), "met")
    body = ctx.payload
    price = body["price_yuan"]
    if body["method"] != "allocation" and price > 0:
        signed = body["signed_on"]
        ratio = ctx.law.value("grant.down_payment_ratio")
        down = (price * ratio).quantize(Decimal("0.01"))
        if ctx.held.planned_use in ctx.law.value("grant.real_estate_uses"):
            # 房地产用地: 国土资发〔2010〕34号 — 50% within one month of signing, the rest within
            # one year.
            open_deadline(ctx, "payment_down",
                          explain_months(signed, ctx.law.value("grant.down_payment_months"),
                                         "contract signed"),
                          "国土资发〔2010〕34号 (50% within one month)", opened_on=signed,
                          amount_yuan=down)
            balance_basis = "国土资发〔2010〕34号; 财综〔2009〕74号"
        else:
            # Outside 34号 (industrial land and other grants): the price is owed within the 60
            # days of 暂行条例 第十四条, in instalments as 财综〔2009〕74号 allows — a first
            # instalment of at least 50% within those days, the whole within one year.
            open_deadline(ctx, "payment_down",
                          explain_days(signed, ctx.law.value("grant.full_payment_days"),
                                       "contract signed"),
                          "城镇国有土地使用权出让和转让暂行条例 第十四条; 财综〔2009〕74号 "
                          "(first instalment ≥ 50%)", opened_on=signed, amount_yuan=down)
            balance_basis = "财综〔2009〕74号 (instalments within one year)"
        open_deadline(ctx, "payment_balance",
                      explain_years(signed, ctx.law.value("grant.balance_deadline_years"),
                                    "contract signed"),
                      balance_basis, opened_on=signed, amount_yuan=price)
    open_use_clocks(ctx, body["agreed_start_date"], body["agreed_completion_date"],
                    ctx.effective_date)


def on_hand_over(ctx: StepContext) -> None:
    """Land handed over after the agreed start date: the delay was the government's
    (闲置土地处置办法 第八条第(一)项) and the user's year and two years run from the hand-over.
    ``workflow.deadlines.idle`` reads it so from the parcel's hand-over date; the clock says it
    too, and its recovery threshold moves (no earlier answer changes: recovery was barred while
    the land was not handed over)."""
    on = ctx.effective_date
    for d in running(ctx, "idle_clock"):
        if d.clock_start is None or on <= d.clock_start:
            continue
        fee_from = add_years(on, ctx.law.value("idle.not_started_threshold_years"))
        recovery = add_years(on, ctx.law.value("idle.recovery_threshold_years"))
        d.recovery_on = max(d.recovery_on or recovery, recovery)
        d.explanation = (f"{d.explanation}; handed over {on.isoformat()}, after the agreed start "
                         f"(第八条第(一)项): the user's year runs from the hand-over, fee from "
                         f"{max(fee_from, d.due_on).isoformat()}, recovery from "
                         f"{d.recovery_on.isoformat()}")[:500]
        d.updated_at = ctx.uow.now()


def on_start_construction(ctx: StepContext) -> None:
    close(ctx, running(ctx, "agreed_start", "idle_clock"), "met")


def on_inspect(ctx: StepContext) -> None:
    close(ctx, running(ctx, "agreed_completion"), "met")


def on_register(ctx: StepContext) -> None:
    close(ctx, running(ctx, "registration"), "met")
    close(ctx, running(ctx), "cancelled")


def on_end(ctx: StepContext) -> None:
    """Rejected, withdrawn, lapsed or recovered: the case's clocks stop. A lapse closes the
    validity clock at (or after) its due date, which records it as breached."""
    close(ctx, running(ctx, "approval_lapse"), "met" if ctx.step.trigger == "lapse"
          else "cancelled")
    close(ctx, running(ctx), "cancelled")


def on_declare_idle(ctx: StepContext) -> None:
    p = ctx.held
    cause = ctx.payload["cause"]
    clocks = running(ctx, "idle_clock")
    if ctx.plans.idle_basis == "stalled":
        since = ctx.plans.suspended_since
        assert since is not None  # the guard sets it with the "stalled" basis
        years = ctx.law.value("idle.stalled.suspension_years")
        recovery = explain_years(since, ctx.law.value("idle.recovery_threshold_years"),
                                 "suspended since")
        clocks.append(open_deadline(ctx, "idle_clock",
                                    explain_years(since, years, "suspended since"),
                                    "闲置土地处置办法 第二条 (started but stalled)",
                                    clock_start=since, recovery_on=recovery[0],
                                    amount_yuan=p.price_yuan))
    for clock in clocks:
        clock.cause = cause
        clock.determined_on = ctx.effective_date
        clock.determination_no = ctx.payload["determination_no"]
    close(ctx, running(ctx, "idle_investigation"), "met")
    if p.idle_fee_yuan:
        open_deadline(ctx, "idle_fee_payment",
                      explain_days(ctx.effective_date, ctx.law.value("idle.fee_payment_days"),
                                   "fee decision"),
                      "闲置土地处置办法 第十七条", amount_yuan=p.idle_fee_yuan)


def on_resume(ctx: StepContext) -> None:
    close(ctx, running(ctx, "idle_clock", "agreed_start"), "met")


def on_payment(ctx: StepContext, paid: dict[str, Decimal], on: date) -> None:
    for d in running(ctx, "payment_down", "payment_balance"):
        if d.amount_yuan is not None and paid.get("land_price", Decimal(0)) >= d.amount_yuan:
            close(ctx, [d], "met", on)
    for d in running(ctx, "idle_fee_payment"):
        if d.amount_yuan is not None and paid.get("idle_fee", Decimal(0)) >= d.amount_yuan:
            close(ctx, [d], "met", on)


def on_registration_accepted(ctx: StepContext, on: date) -> None:
    days = ctx.law.value("registration.cq.initial_transfer_working_days")
    open_deadline(ctx, "registration", explain_working_days(on, days, "application accepted"),
                  "重庆市土地房屋权属登记条例 第二十五条", opened_on=on)


def on_idle_disposal(ctx: StepContext, details: dict[str, Any], on: date) -> None:
    """A negotiated disposal restarts the clock from the newly agreed start date (闲置土地处置办法
    第十二条), except an agreed recovery, which the ``recover`` transition completes."""
    p = ctx.held
    option = details["option"]
    if option == "temporary_use":
        start = date.fromisoformat(str(details["temp_use_start"]))
        end = date.fromisoformat(str(details["temp_use_end"]))
        open_deadline(ctx, "temporary_use_end", (end, f"{end.isoformat()} = temporary use "
                      f"{start.isoformat()}..{end.isoformat()}"), "闲置土地处置办法 第十二条",
                      opened_on=on)
    if option == "agreed_recovery":
        return
    new_start = date.fromisoformat(str(details["new_agreed_start_date"]))
    new_done = date.fromisoformat(str(details.get("new_agreed_completion_date")
                                      or p.agreed_completion_date))
    close(ctx, running(ctx, "agreed_start", "idle_clock", "agreed_completion"), "cancelled", on)
    p.agreed_start_date = new_start
    p.agreed_completion_date = new_done
    open_use_clocks(ctx, new_start, new_done, on)




# --- a clock paused and resumed by hand (records ``deadline_paused`` / ``deadline_resumed``) ---


def _the_clock(ctx: StepContext) -> Deadline:
    d = ctx.session.get(Deadline, ctx.payload["details"]["deadline_id"], populate_existing=True)
    assert d is not None and d.parcel_id == ctx.held.id  # the service found it by its parcel
    return d


def pause(ctx: StepContext) -> None:
    """Stop a running clock from the record's date, for the reason given (e.g. a government
    cause)."""
    d, on, reason = _the_clock(ctx), ctx.effective_date, ctx.payload["details"]["reason"]
    if d.state != "open" or d.closed_on is not None:
        raise ValidationFailed({"state": [
            f"只能暂停进行中的期限 / only an open deadline can be paused (it is {d.state})"]})
    if on > ctx.today or on < d.opened_on:
        raise ValidationFailed({"date": ["暂停日期须在期限开始后且不晚于今天 / between the "
                                         "opening of the deadline and today"]})
    d.state, d.paused_since, d.pause_reason, d.updated_at = "paused", on, reason, ctx.uow.now()
    ctx.uow.emit("deadline.paused", d.parcel_id, {"deadline_id": d.id, "kind": d.kind,
                                                  "since": on.isoformat(), "reason": reason},
                 audit_event_id=ctx.event.id)


def resume(ctx: StepContext) -> None:
    """The clock runs on, its due date moved by the days it stood still."""
    d, on = _the_clock(ctx), ctx.effective_date
    if d.state != "paused" or d.paused_since is None:
        raise ValidationFailed({"state": [f"期限未暂停 / the deadline is not paused "
                                          f"(it is {d.state})"]})
    if on > ctx.today or on < d.paused_since:
        raise ValidationFailed({"date": ["恢复日期须在暂停之后且不晚于今天 / between the "
                                         "pause and today"]})
    # A working-day limit moves by the working days the pause covered, any other by the
    # calendar days (重庆市土地房屋权属登记条例 第二十五条; RULES.md §0.3).
    d.due_on, stood, unit = moved_by_pause(d.kind, d.due_on, d.paused_since, on)
    if d.recovery_on is not None:
        # The idle clock's second threshold stands still with it (闲置土地处置办法 第八条).
        d.recovery_on = moved_by_pause(d.kind, d.recovery_on, d.paused_since, on)[0]
    d.explanation = (f"{d.explanation}; paused {d.paused_since.isoformat()}..{on.isoformat()}"
                     f" ({d.pause_reason}): +{stood} {unit} → {d.due_on.isoformat()}")[:500]
    d.state, d.paused_since, d.updated_at = "open", None, ctx.uow.now()
    ctx.uow.emit("deadline.resumed", d.parcel_id, {"deadline_id": d.id, "kind": d.kind,
                                                   "due_on": d.due_on.isoformat()},
                 audit_event_id=ctx.event.id)
