"""Structural guards: the effective date of a step, and which ownership an edge applies to."""

from __future__ import annotations

from workflow.context import StepContext
from workflow.rules.registry import guard


@guard(codes=("EFFECTIVE_DATE_IN_FUTURE",),
       source="DESIGN: every transition body carries the real-world date; not in the future",
       meaning="The effective date is not after today (Asia/Shanghai).",
       zh="生效日期不得晚于当日")
def effective_date_not_in_future(ctx: StepContext) -> None:
    if ctx.effective_date > ctx.today:
        ctx.violate("EFFECTIVE_DATE_IN_FUTURE", effective_date=ctx.effective_date,
                    today=ctx.today)


@guard(codes=("EFFECTIVE_DATE_BEFORE_LAST_EVENT",),
       source="DESIGN: a parcel's history is ordered by effective date",
       meaning="The effective date is not before the parcel's last transition.",
       zh="生效日期不得早于上一办理事项")
def effective_date_not_before_last_event(ctx: StepContext) -> None:
    assert ctx.parcel is not None
    if ctx.effective_date < ctx.parcel.last_effective_date:
        ctx.violate("EFFECTIVE_DATE_BEFORE_LAST_EVENT", effective_date=ctx.effective_date,
                    last_effective_date=ctx.parcel.last_effective_date)


@guard(codes=("EXPROPRIATION_NOT_APPLICABLE",),
       source="土地管理法 第二条、第四十五条: expropriation takes collective land into "
              "state ownership",
       meaning="Only collective land can be expropriated.",
       zh="仅集体土地可以征收")
def collective_land_only(ctx: StepContext) -> None:
    assert ctx.parcel is not None
    if ctx.parcel.ownership != "collective":
        ctx.violate("EXPROPRIATION_NOT_APPLICABLE", ownership=ctx.parcel.ownership)


@guard(codes=("EXPROPRIATION_REQUIRED",),
       source="土地管理法 第五十四条; 城市房地产管理法 第九条: only state-owned land is "
              "granted or allocated",
       meaning="Collective land is supplied only after it has been expropriated.",
       zh="集体土地须经征收后方可供应")
def collective_land_expropriated_first(ctx: StepContext) -> None:
    assert ctx.parcel is not None
    if ctx.parcel.ownership == "collective" and ctx.parcel.state == "approved":
        ctx.violate("EXPROPRIATION_REQUIRED", ownership=ctx.parcel.ownership)
