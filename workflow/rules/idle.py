"""Idle land (闲置土地处置办法, 国土资源部令第53号): when land may be declared idle, when it may be
recovered, when development may resume, and the limits of negotiated disposals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from workflow.context import StepContext, paid
from workflow.deadlines.calendar import add_years
from workflow.deadlines.clocks import running
from workflow.deadlines.idle import IdleReading, read_idle_clock
from workflow.rules.registry import guard

ZERO = Decimal("0")


def _latest_details(ctx: StepContext, kind: str) -> tuple[date, dict[str, Any]] | None:
    found = [r for r in ctx.records(kind) if r.occurred_on <= ctx.effective_date]
    if not found:
        return None
    r = found[-1]
    return r.occurred_on, dict(r.details or {})


def _ratio(num: Any, den: Any) -> Decimal | None:
    try:
        n, d = Decimal(str(num)), Decimal(str(den))
    except Exception:  # noqa: BLE001 - a malformed record counts as no evidence
        return None
    return None if d <= 0 else n / d


@guard(codes=("IDLE_NOT_DUE", "IDLE_CLOCK_PAUSED"),
       source="闲置土地处置办法 第二条、第八条; 城市房地产管理法 第二十六条",
       meaning="Land is idle when not started one full year after the agreed start date (read "
               "from the idle clock, moved by its pauses; nothing is due while it is paused), "
               "or when started with < 1/3 developed or < 25% invested (net of land price) and "
               "suspended for one full year.")
def idle_period_reached(ctx: StepContext) -> None:
    p = ctx.held
    on = ctx.effective_date
    years = ctx.law.value("idle.not_started_threshold_years")
    if p.construction_started_on is None:
        assert p.agreed_start_date is not None
        reading = idle_reading(ctx)
        if reading is None:  # no clock (a parcel older than the clocks): the contract's date
            due = add_years(p.agreed_start_date, years)
        elif reading.paused_since is not None:
            ctx.violate("IDLE_CLOCK_PAUSED", basis="not_started", effective_date=on,
                        **reading.details())
            return
        else:
            due = reading.idle_from
        if on < due:
            ctx.violate("IDLE_NOT_DUE", basis="not_started", agreed_start=p.agreed_start_date,
                        idle_from=due, effective_date=on, article="闲置土地处置办法 第二条")
        ctx.plans.idle_basis = "not_started"
        return
    progress = _latest_details(ctx, "construction_progress")
    suspended = _latest_details(ctx, "construction_suspended")
    if progress is None or suspended is None:
        ctx.violate("IDLE_NOT_DUE", basis="stalled",
                    reason="开工后须有开发进度和停工记录 / a started project needs progress and "
                           "suspension records", article="闲置土地处置办法 第二条")
        return
    details = progress[1]
    area_ratio = _ratio(details.get("developed_area_m2"), details.get("planned_area_m2"))
    invest_ratio = _ratio(details.get("invested_yuan"), details.get("total_investment_yuan"))
    low_area = area_ratio is not None and area_ratio < ctx.law.value("idle.stalled.area_ratio")
    low_invest = (invest_ratio is not None
                  and invest_ratio < ctx.law.value("idle.stalled.investment_ratio"))
    since = date.fromisoformat(str(suspended[1].get("since", suspended[0].isoformat())))
    due = add_years(since, ctx.law.value("idle.stalled.suspension_years"))
    if not (low_area or low_invest) or on < due:
        ctx.violate("IDLE_NOT_DUE", basis="stalled",
                    developed_ratio=str(area_ratio) if area_ratio is not None else None,
                    invested_ratio=str(invest_ratio) if invest_ratio is not None else None,
                    thresholds={"developed": "1/3", "invested": "25%"},
                    suspended_since=since, idle_from=due, effective_date=on,
                    article="闲置土地处置办法 第二条")
        return
    ctx.plans.idle_basis = "stalled"
    ctx.plans.suspended_since = since


def idle_reading(ctx: StepContext) -> IdleReading | None:
    """The parcel's running idle clock on the step's effective date, read as the auditors' list
    reads it (``workflow.deadlines.idle``); None when the parcel has none."""
    clocks = running(ctx, "idle_clock")
    return read_idle_clock(clocks[-1], ctx.held, ctx.effective_date) if clocks else None


@guard(codes=("IDLE_GOVERNMENT_CAUSE",),
       source="闲置土地处置办法 第八条第(一)项、第十四条; 城市房地产管理法 第二十六条",
       meaning="Idleness is not determined as the user's while the delay is the government's: "
               "land not handed over by the agreed start date, the user's year running from a "
               "late hand-over.", precheck=False)
def user_not_charged_for_government_delay(ctx: StepContext) -> None:
    if ctx.payload.get("cause") != "user":
        return
    reading = idle_reading(ctx)
    if reading is not None and reading.government_delay is not None:
        ctx.violate("IDLE_GOVERNMENT_CAUSE", cause="user", effective_date=ctx.effective_date,
                    **reading.details())


@guard(codes=("RECOVERY_NOT_DUE", "RECOVERY_COMPENSATION_REQUIRED"),
       source="闲置土地处置办法 第八条、第十二条、第十四条; 土地管理法 第三十八条",
       meaning="Recovery without compensation is lawful only for user-caused idleness of two "
               "full years of the user's own (from a late hand-over, moved by pauses); "
               "idleness caused by the government (a late hand-over included) or force majeure "
               "is recovered only by agreement with compensation.", precheck=False)
def recovery_lawful(ctx: StepContext) -> None:
    p = ctx.held
    if ctx.payload.get("with_compensation"):
        return  # 协议有偿收回: lawful by agreement at any time
    if p.idle_cause in ("government", "force_majeure"):
        ctx.violate("RECOVERY_COMPENSATION_REQUIRED", cause=p.idle_cause,
                    article="闲置土地处置办法 第八条、第十二条")
        return
    reading = idle_reading(ctx)
    if reading is not None and reading.government_delay is not None:
        ctx.violate("RECOVERY_COMPENSATION_REQUIRED", cause="government",
                    **reading.details())
        return
    if reading is not None:
        start, due = reading.clock_start, reading.recovery_from
        if reading.paused_since is not None:
            ctx.violate("RECOVERY_NOT_DUE", clock_start=start, recovery_from=due,
                        paused_since=reading.paused_since, effective_date=ctx.effective_date,
                        article="闲置土地处置办法 第八条、第十四条")
            return
    else:
        start = p.agreed_start_date
        assert start is not None
        due = add_years(start, ctx.law.value("idle.recovery_threshold_years"))
    if ctx.effective_date < due:
        ctx.violate("RECOVERY_NOT_DUE", clock_start=start, recovery_from=due,
                    effective_date=ctx.effective_date, article="闲置土地处置办法 第十四条")


@guard(codes=("IDLE_DISPOSAL_UNSETTLED",),
       source="闲置土地处置办法 第十二条、第十四条",
       meaning="Development resumes after the idle-land fee is paid (user cause; law "
               "parameter idle.resume_requires_fee_paid) or a negotiated disposal restarting "
               "the clock is agreed (government cause, force majeure).")
def idle_disposal_settled(ctx: StepContext) -> None:
    p = ctx.held
    if p.idle_cause == "user":
        if not ctx.law.value("idle.resume_requires_fee_paid"):
            return  # the county lets development resume first; the fee's clock runs on
        due = p.idle_fee_yuan or ZERO
        got = paid(ctx, "payment", "idle_fee")
        if got < due:
            ctx.violate("IDLE_DISPOSAL_UNSETTLED", cause="user", fee_yuan=due, paid_yuan=got,
                        article="闲置土地处置办法 第十四条")
        return
    agreed = [r for r in ctx.records("idle_disposal")
              if p.idle_declared_on is not None and r.occurred_on >= p.idle_declared_on
              and r.occurred_on <= ctx.effective_date
              and (r.details or {}).get("option") != "agreed_recovery"]
    if not agreed:
        ctx.violate("IDLE_DISPOSAL_UNSETTLED", cause=p.idle_cause,
                    reason="须先协商处置（延长动工期限等） / a negotiated disposal is needed",
                    article="闲置土地处置办法 第十二条")


@guard(codes=("IDLE_DISPOSAL_INVALID",),
       source="闲置土地处置办法 第十二条",
       meaning="A negotiated extension sets a new start no more than one year after the "
               "supplementary agreement; government-arranged temporary use lasts at most two "
               "years; options that restart the clock name the new agreed start.")
def idle_disposal_within_limits(ctx: StepContext) -> None:
    p = ctx.held
    details = ctx.payload.get("details") or {}
    on = ctx.effective_date
    option = details.get("option")
    if p.state != "idle":
        ctx.violate("IDLE_DISPOSAL_INVALID", problem="地块不是闲置土地 / the parcel is not idle")
        return
    if option in ("extension", "change_of_use", "land_swap", "temporary_use"):
        new_start = details.get("new_agreed_start_date")
        if new_start is None:
            ctx.violate("IDLE_DISPOSAL_INVALID", option=option,
                        problem="须约定新的动工日期 / new_agreed_start_date is required")
            return
        new_start = date.fromisoformat(str(new_start))
        if new_start < on:
            ctx.violate("IDLE_DISPOSAL_INVALID", option=option,
                        problem="新的动工日期早于协议日期 / new start before the agreement")
        limit = add_years(on, ctx.law.value("idle.gov_cause.extension_max_years"))
        if option == "extension" and new_start > limit:
            ctx.violate("IDLE_DISPOSAL_INVALID", option=option, new_agreed_start=new_start,
                        latest_allowed=limit,
                        problem="延长动工开发期限最长不得超过一年 / an extension is at most one "
                                "year", article="闲置土地处置办法 第十二条第一项")
    if option == "temporary_use":
        try:
            start = date.fromisoformat(str(details["temp_use_start"]))
            end = date.fromisoformat(str(details["temp_use_end"]))
        except (KeyError, ValueError):
            ctx.violate("IDLE_DISPOSAL_INVALID", option=option,
                        problem="须有临时使用起止日期 / temp_use_start and temp_use_end")
            return
        limit = add_years(start, ctx.law.value("idle.gov_cause.temp_use_max_years"))
        if end > limit or end < start:
            ctx.violate("IDLE_DISPOSAL_INVALID", option=option, temp_use_start=start,
                        temp_use_end=end, latest_allowed=limit,
                        problem="临时使用不得超过两年 / temporary use is at most two years",
                        article="闲置土地处置办法 第十二条第三项")
