"""Effects that copy the facts of a step's payload onto the parcel."""

from __future__ import annotations

from workflow.canonical import plain
from workflow.context import StepContext
from workflow.effects.registry import effect
from workflow.models import Parcel
from workflow.spatial.overlay import tolerance_m2


def _parcel(ctx: StepContext) -> Parcel:
    assert ctx.parcel is not None
    return ctx.parcel


@effect
def record_planning(ctx: StepContext) -> None:
    p, body = _parcel(ctx), ctx.payload
    p.planned_use = body["planned_use"]
    p.planning_conditions = plain(body["planning_conditions"])
    p.major_project = plain(body.get("major_project"))
    p.red_line_activity = plain(body.get("red_line_activity"))
    p.planned_on = ctx.effective_date
    p.planned_by_id = ctx.actor.id


@effect
def record_approval(ctx: StepContext) -> None:
    p = _parcel(ctx)
    p.approval_no = ctx.payload["approval_no"]
    p.approval_authority = ctx.payload.get("authority", "chongqing")
    p.approved_on = ctx.effective_date


@effect
def record_expropriation(ctx: StepContext) -> None:
    p = _parcel(ctx)
    p.expropriation_announced_on = ctx.payload["announced_on"]
    p.expropriated_on = ctx.effective_date


@effect
def record_supply(ctx: StepContext) -> None:
    p, body = _parcel(ctx), ctx.payload
    p.supply_method = body["method"]
    p.price_yuan = body["price_yuan"]
    p.term_years = body.get("term_years")
    p.contract_signed_on = body["signed_on"]
    p.agreed_start_date = body["agreed_start_date"]
    p.agreed_completion_date = body["agreed_completion_date"]
    p.land_user = body["land_user"]
    p.supplied_area_m2 = body.get("area_m2") or p.total_m2
    p.supplied_on = ctx.effective_date
    if p.first_supplied_on is None:
        p.first_supplied_on = ctx.effective_date
        p.first_supplied_m2 = p.supplied_area_m2
    # A re-supply after recovery starts a new use cycle.
    p.handed_over_on = None
    p.construction_started_on = None
    p.permit_no = None
    p.idle_cause = None
    p.idle_declared_on = None
    p.idle_determination_no = None
    p.idle_fee_yuan = None


@effect
def record_hand_over(ctx: StepContext) -> None:
    _parcel(ctx).handed_over_on = ctx.effective_date


@effect
def record_construction_start(ctx: StepContext) -> None:
    p = _parcel(ctx)
    p.permit_no = ctx.payload["permit_no"]
    p.construction_started_on = ctx.effective_date


@effect
def record_inspection(ctx: StepContext) -> None:
    p, body = _parcel(ctx), ctx.payload
    built = ctx.built_land()
    if built is not None:
        # Measured from the completion survey; the guards have just judged these figures.
        p.actual_area_m2 = built.actual_area_m2
        p.within_approved_boundary = (built.outside_approved_m2 is None
                                      or built.outside_approved_m2 <= tolerance_m2(
                                          built.actual_area_m2, ctx.law))
    else:
        p.actual_area_m2 = body["actual_area_m2"]
        p.within_approved_boundary = body["within_approved_boundary"]
    p.planning_verified = body["planning_verified"]
    p.inspected_on = ctx.effective_date


@effect
def record_registration(ctx: StepContext) -> None:
    _parcel(ctx).registered_on = ctx.effective_date


@effect
def record_idle_determination(ctx: StepContext) -> None:
    p = _parcel(ctx)
    p.idle_cause = ctx.payload["cause"]
    p.idle_determination_no = ctx.payload["determination_no"]
    p.idle_declared_on = ctx.effective_date


@effect
def record_resumption(ctx: StepContext) -> None:
    p = _parcel(ctx)
    if p.construction_started_on is None:
        p.construction_started_on = ctx.effective_date


@effect
def record_recovery(ctx: StepContext) -> None:
    p = _parcel(ctx)
    p.recovery_decision_no = ctx.payload["decision_no"]
    p.recovered_on = ctx.effective_date


@effect
def record_closure(ctx: StepContext) -> None:
    _parcel(ctx).closed_on = ctx.effective_date
