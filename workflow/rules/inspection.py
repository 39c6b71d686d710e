"""验: 批少占多, 批甲占乙 and planning verification."""

from __future__ import annotations

from workflow.context import StepContext
from workflow.rules.registry import guard
from workflow.spatial.overlay import tolerance_m2


@guard(codes=("AREA_EXCEEDS_APPROVED",), source="土地管理法 第七十七条第二款 (批少占多)",
       precheck=False, meaning="The area actually occupied is not larger than the area "
                               "approved and supplied.")
def actual_area_within_approved(ctx: StepContext) -> None:
    p = ctx.held
    approved = p.supplied_area_m2 or p.total_m2
    built = ctx.built_land()
    actual = built.actual_area_m2 if built is not None else ctx.payload["actual_area_m2"]
    if actual > approved:
        ctx.violate("AREA_EXCEEDS_APPROVED", what="实际占地", what_en="Area occupied",
                    area_m2=actual, approved_m2=approved, excess_m2=actual - approved,
                    article="土地管理法 第七十七条第二款")


@guard(codes=("OUTSIDE_APPROVED_BOUNDARY",),
       source="土地管理法 第七十七条、第五十六条 (批甲占乙)", precheck=False,
       meaning="The works stand inside the approved boundary.")
def built_within_approved_boundary(ctx: StepContext) -> None:
    built = ctx.built_land()
    if built is not None and built.outside_approved_m2 is not None:
        if built.outside_approved_m2 > tolerance_m2(built.actual_area_m2, ctx.law):
            ctx.violate("OUTSIDE_APPROVED_BOUNDARY", outside_m2=built.outside_approved_m2,
                        actual_area_m2=built.actual_area_m2, article="土地管理法 第七十七条")
        return
    if not ctx.payload.get("within_approved_boundary", False):
        ctx.violate("OUTSIDE_APPROVED_BOUNDARY", article="土地管理法 第七十七条")


@guard(codes=("PLANNING_VERIFICATION_FAILED",), source="城乡规划法 第四十五条",
       precheck=False,
       meaning="Planning verification (规划核实) passed before completion acceptance.")
def planning_verified(ctx: StepContext) -> None:
    if not ctx.payload["planning_verified"]:
        ctx.violate("PLANNING_VERIFICATION_FAILED", article="城乡规划法 第四十五条")
