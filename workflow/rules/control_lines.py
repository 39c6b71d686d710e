"""规: the three control lines (三条控制线) and plan conformity."""

from __future__ import annotations

from typing import Any

from workflow import law
from workflow.context import StepContext
from workflow.rules.registry import guard


def exempt_uses(line: str, category: str, laws: law.LawSet | None = None) -> tuple[str, ...]:
    """The planned uses an exemption of ``category`` opens protected land of ``line``
    (``basic_farmland`` or ``red_line``) to: a law parameter, so a changed notice is an edit;
    ``laws`` is the set in force on the step's day (default: the current law)."""
    return tuple((laws or law.current()).value(f"{line}.exempt_uses.{category}"))


def _use_not_covered(ctx: StepContext, code: str, line: str, category: str,
                     **details: Any) -> bool:
    """Refuse with ``code`` when the planned use is not one ``category`` covers."""
    use, allowed = ctx.payload.get("planned_use"), exempt_uses(line, category, ctx.law)
    if use in allowed:
        return False
    ctx.violate(code, planned_use=use, category=category, allowed_uses=list(allowed), **details)
    return True


@guard(codes=("RED_LINE_CONFLICT", "RED_LINE_USE_NOT_EXEMPT"),
       source="实施条例 第三条; 自然资发〔2022〕142号 (limited human activities with a 认定意见)",
       meaning="Land inside the ecological red line is planned only for an allowed limited "
               "activity with its determination opinion, and only for a planned use that "
               "activity covers (`red_line.exempt_uses.*`).", precheck=False)
def outside_red_line(ctx: StepContext) -> None:
    red_line_m2 = ctx.control_lines("ecological_red_line").red_line_m2
    if red_line_m2 <= 0:
        return
    activity = ctx.payload.get("red_line_activity")
    if not activity or activity.get("category") not in law.RED_LINE_ALLOWED_ACTIVITIES:
        ctx.violate("RED_LINE_CONFLICT", red_line_m2=red_line_m2,
                    activity=(activity or {}).get("category"),
                    allowed=list(law.RED_LINE_ALLOWED_ACTIVITIES),
                    article="自然资发〔2022〕142号")
        return
    _use_not_covered(ctx, "RED_LINE_USE_NOT_EXEMPT", "red_line", activity["category"],
                     red_line_m2=red_line_m2, article="自然资发〔2022〕142号 一(一)")


MAJOR_PROJECT_CATEGORIES = ("central_decision", "military", "transport", "energy", "water",
                            "state_recognised")


@guard(codes=("BASIC_FARMLAND_PROTECTED", "BASIC_FARMLAND_USE_NOT_EXEMPT"),
       source="土地管理法 第三十五条; 自然资规〔2018〕3号 (major-project categories)",
       meaning="Permanent basic farmland is planned only for a listed major project with State "
               "Council (or entrusted) approval, and only for a planned use its category covers "
               "(`basic_farmland.exempt_uses.*`).", precheck=False)
def basic_farmland_protected(ctx: StepContext) -> None:
    basic_farmland_m2 = ctx.control_lines("basic_farmland").basic_farmland_m2
    if basic_farmland_m2 <= 0:
        return
    project = ctx.payload.get("major_project")
    if (not project or project.get("category") not in MAJOR_PROJECT_CATEGORIES
            or not project.get("approval_ref")):
        ctx.violate("BASIC_FARMLAND_PROTECTED", basic_farmland_m2=basic_farmland_m2,
                    major_project=project, allowed_categories=list(MAJOR_PROJECT_CATEGORIES),
                    article="土地管理法 第三十五条")
        return
    _use_not_covered(ctx, "BASIC_FARMLAND_USE_NOT_EXEMPT", "basic_farmland",
                     project["category"], basic_farmland_m2=basic_farmland_m2,
                     article="土地管理法 第三十五条")


@guard(codes=("OUTSIDE_DEVELOPMENT_BOUNDARY",),
       source="城乡规划法 第四十二条; 实施条例 第十四条; 土地管理法 第四十四条",
       meaning="Construction is planned inside the urban development boundary or an approved "
               "village plan, unless it is a single-site major project planned for a use its "
               "category covers.", precheck=False)
def inside_development_boundary(ctx: StepContext) -> None:
    lines = ctx.control_lines("development_boundary", "village_construction")
    if lines.in_development_boundary or ctx.payload.get("in_village_plan"):
        return
    project = ctx.payload.get("major_project")
    if (project and project.get("category") in MAJOR_PROJECT_CATEGORIES
            and ctx.payload.get("planned_use") in exempt_uses("basic_farmland",
                                                              project["category"], ctx.law)):
        return  # single-site (单独选址) energy, transport, water, military projects
    ctx.violate("OUTSIDE_DEVELOPMENT_BOUNDARY", in_development_boundary=False,
                in_village_plan=False, outside_m2=lines.outside_development_boundary_m2,
                planned_use=ctx.payload.get("planned_use"),
                major_project=(project or {}).get("category"),
                article="城乡规划法 第四十二条")
