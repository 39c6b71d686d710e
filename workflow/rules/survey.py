"""调: what a clerk declares of a surveyed parcel must agree with its surveyed boundary (勘测定界)
laid over the land survey and the control lines in force on the survey's date."""

from __future__ import annotations

from workflow.context import StepContext
from workflow.rules.registry import guard
from workflow.spatial.overlay import mismatches

LABELS = {
    "farmland_m2": ("耕地面积", "farmland area"), "paddy_m2": ("水田面积", "paddy area"),
    "other_agricultural_m2": ("其他农用地面积", "other agricultural area"),
    "construction_m2": ("建设用地面积", "construction land area"),
    "unused_m2": ("未利用地面积", "unused land area"),
    "total_m2": ("地块总面积", "total area"),
    "farmland_grade": ("耕地质量等别", "farmland grade"),
    "basic_farmland_m2": ("永久基本农田面积", "basic farmland area"),
    "red_line_m2": ("生态保护红线面积", "red-line area"),
    "in_development_boundary": ("城镇开发边界内", "inside the development boundary"),
}


@guard(codes=("SPATIAL_MISMATCH",),
       source="土地管理法 第二十四条、第三十五条; 第三次全国国土调查 (地类图斑); "
              "GB/T 21010-2017; TD/T 1008-2007 (勘测定界)",
       meaning="Figures declared with a boundary agree with its overlay on the land-use layer "
               "within the tolerance, and no control-line overlap is understated.",
       precheck=False,
       zh="申报地类面积与图层叠加结果一致，管控线占用未少报")
def declared_figures_match_the_land(ctx: StepContext) -> None:
    figures = ctx.plans.survey
    if figures is None:
        return
    ctx.datasets_read.extend(figures.spatial()["datasets"])
    for m in mismatches(ctx.payload, figures):
        zh, en = LABELS[m.field.split(".")[-1]]
        ctx.violate("SPATIAL_MISMATCH", field=m.field, field_zh=zh, field_en=en,
                    declared=m.declared, computed=m.computed, **m.details)
