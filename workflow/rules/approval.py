"""批: the pre-approval expropriation procedure for collective land, the approving authority,
and the two-year validity of an approval."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from workflow import law
from workflow.context import StepContext
from workflow.deadlines.calendar import add_working_days, add_years
from workflow.models import Parcel
from workflow.rules.registry import guard

HA = Decimal("10000")


def _need(ctx: StepContext, step: str, requirement: str, **details: object) -> None:
    ctx.violate("EXPROPRIATION_PROCEDURE_INCOMPLETE", step=step, requirement=requirement,
                **details)


@guard(codes=("EXPROPRIATION_PROCEDURE_INCOMPLETE",),
       source="土地管理法 第四十七条; 实施条例 第二十六条至第三十二条",
       meaning="Collective land: pre-announcement ≥ 10 working days, status survey, risk "
               "assessment, plan announced ≥ 30 days before approval, hearing when a majority "
               "objected, compensation registration, funds in place, agreements — all recorded "
               "before the approval.")
def pre_approval_expropriation_complete(ctx: StepContext) -> None:
    p = ctx.held
    if p.ownership != "collective":
        return
    on = ctx.effective_date

    def latest(kind: str) -> date | None:
        found = [r.occurred_on for r in ctx.records(kind) if r.occurred_on <= on]
        return max(found) if found else None

    def earliest(kind: str) -> date | None:
        found = [r.occurred_on for r in ctx.records(kind) if r.occurred_on <= on]
        return min(found) if found else None

    pre = earliest("pre_announcement")
    # A plan announced too early is announced again; the last announcement is the one that
    # runs its 30 days.
    plan_ann = latest("plan_announcement")
    if pre is None:
        _need(ctx, "pre_announcement", "征收土地预公告 / pre-announcement not recorded",
              article="实施条例 第二十六条")
    else:
        days = ctx.law.value("expro.pre_announcement_working_days")
        ends = add_working_days(pre, days)
        if plan_ann is not None and plan_ann < ends:
            _need(ctx, "pre_announcement",
                  f"预公告期不少于 {days} 个工作日 / at least {days} working days before the "
                  "compensation plan is announced",
                  published_on=pre, period_ends=ends, plan_announced_on=plan_ann,
                  article="实施条例 第二十六条")
        elif ends > on:
            _need(ctx, "pre_announcement",
                  f"预公告期不少于 {days} 个工作日 / at least {days} working days",
                  published_on=pre, period_ends=ends, article="实施条例 第二十六条")
    for kind, label, article in (
        ("status_survey", "土地现状调查 / status survey", "实施条例 第二十六条"),
        ("risk_assessment", "社会稳定风险评估 / social-stability risk assessment",
         "实施条例 第二十六条"),
    ):
        if latest(kind) is None:
            _need(ctx, kind, f"{label} not recorded", article=article)
    if plan_ann is None:
        _need(ctx, "plan_announcement", "征地补偿安置方案公告 / compensation plan not announced",
              article="实施条例 第二十八条")
    else:
        days = ctx.law.value("expro.plan_announcement_days")
        if plan_ann + timedelta(days=days) > on:
            _need(ctx, "plan_announcement",
                  f"公告不少于 {days} 日 / announced at least {days} days before approval",
                  announced_on=plan_ann, earliest_approval=plan_ann + timedelta(days=days),
                  approval_date=on, article="土地管理法 第四十七条第二款")
    objected = latest("objection_majority")
    if objected is not None:
        heard = [r.occurred_on for r in ctx.records("hearing") if objected <= r.occurred_on <= on]
        if not heard:
            _need(ctx, "hearing", "多数成员认为方案不符合规定的，应当组织听证 / a majority "
                  "objected: a hearing is required", objection_on=objected,
                  article="土地管理法 第四十七条第三款")
    for kind, label, article in (
        ("compensation_registration", "补偿登记 / compensation registration",
         "土地管理法 第四十七条第四款"),
        ("funds_in_place", "征地补偿安置和社会保障费用足额到位 / funds in place",
         "实施条例 第三十二条"),
        ("agreements_signed", "补偿安置协议 / agreements signed", "实施条例 第二十九条"),
    ):
        if latest(kind) is None:
            _need(ctx, kind, f"{label} not recorded", article=article)


# The order of the pre-approval procedure: each step with the steps it must not precede (the
# same day is in order: records are dated by the day) and the article that puts it after them.
# 预公告 → 现状调查 / 社会稳定风险评估 → 补偿安置方案公告 → 补偿登记 (and, on a majority
# objection, 听证) → 协议 → 申请征收 (the approval's effective date). Funds (费用落实) have
# no place in the order beyond "before the application".
EXPROPRIATION_ORDER: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("status_survey", ("pre_announcement",), "实施条例 第二十六条"),
    ("risk_assessment", ("pre_announcement",), "实施条例 第二十六条"),
    ("plan_announcement", ("status_survey", "risk_assessment"),
     "实施条例 第二十七条、第二十八条第一款; 土地管理法 第四十七条第二款"),
    ("compensation_registration", ("plan_announcement",),
     "实施条例 第二十八条第二款; 土地管理法 第四十七条第四款"),
    ("objection_majority", ("plan_announcement",), "实施条例 第二十八条第三款"),
    ("hearing", ("objection_majority",), "实施条例 第二十八条第三款; 土地管理法 第四十七条第三款"),
    ("agreements_signed", ("plan_announcement", "compensation_registration", "hearing"),
     "实施条例 第二十九条; 土地管理法 第四十七条第四款"),
)
# The completeness guard already refuses a hearing before the objection it answers.
_ORDER_REPORTED_ELSEWHERE = frozenset({"hearing"})


@guard(codes=("EXPROPRIATION_PROCEDURE_OUT_OF_ORDER",),
       source="土地管理法 第四十七条; 实施条例 第二十六条至第三十条",
       meaning="Collective land: the procedure's records are dated in the statutory order — "
               "预公告 → 现状调查 and 社会稳定风险评估 → 补偿安置方案公告 → 补偿登记 (→ 听证 when "
               "a majority objected to the announced plan) → 协议 → 申请征收 (the approval); "
               "a step may share its predecessor's day.")
def expropriation_steps_in_order(ctx: StepContext) -> None:
    p = ctx.held
    if p.ownership != "collective":
        return
    on = ctx.effective_date
    dates: dict[str, list[date]] = {}
    for r in ctx.records():
        if r.occurred_on <= on:
            dates.setdefault(r.kind, []).append(r.occurred_on)
    # For each step, the earliest record dated on or after everything before it (the chain of
    # records that puts the procedure in order, if there is one), else the date a record of it
    # would have had to follow; a step done again in order after a premature one is in order.
    done: dict[str, date | None] = {"pre_announcement": min(dates.get("pre_announcement", []),
                                                            default=None)}
    floor: dict[str, date | None] = {"pre_announcement": None}
    for kind, before, article in EXPROPRIATION_ORDER:
        bounds = [(done[b] or floor[b], b) for b in before
                  if b != "hearing" or "objection_majority" in dates]
        bound, after = max(((d, b) for d, b in bounds if d is not None), default=(None, ""))
        own = dates.get(kind, [])
        in_order = [d for d in own if bound is None or d >= bound]
        done[kind], floor[kind] = min(in_order, default=None), bound
        if own and not in_order and kind not in _ORDER_REPORTED_ELSEWHERE:
            ctx.violate("EXPROPRIATION_PROCEDURE_OUT_OF_ORDER", step=kind, dated=max(own),
                        must_follow=after, must_follow_dated=bound, article=article)


ZERO = Decimal("0.00")
AUTHORITY_ZH = {"state_council": "国务院", "chongqing": "重庆市人民政府"}


def conversion_authority(basic_farmland_m2: Decimal, non_basic_agricultural_m2: Decimal,
                         laws: law.LawSet | None = None) -> str:
    """土地管理法 第四十四条: converting permanent basic farmland is the State Council's (第二款);
    converting other agricultural land was authorised to the provinces by 国发〔2020〕4号 (第三款、
    第四款) — at any area: the hectares of 第四十六条 are expropriation thresholds. ``laws``: the
    parameters in force on the approval's day (default: the current law)."""
    laws = laws or law.current()
    if basic_farmland_m2 > 0:
        return "state_council"
    if non_basic_agricultural_m2 > 0 and not laws.value(
            "approval.non_pbf_conversion_authorised_to_province"):
        return "state_council"
    return "chongqing"


def expropriation_authority(basic_farmland_m2: Decimal, cultivated_non_basic_m2: Decimal,
                            other_m2: Decimal, laws: law.LawSet | None = None) -> str:
    """土地管理法 第四十六条: State Council for any basic farmland, non-basic cultivated land over
    35 ha, other land over 70 ha; otherwise the province (Chongqing)."""
    laws = laws or law.current()
    if basic_farmland_m2 > 0:
        return "state_council"
    if cultivated_non_basic_m2 > laws.value("expro.sc_threshold.cultivated_non_pbf_ha") * HA:
        return "state_council"
    if other_m2 > laws.value("expro.sc_threshold.other_ha") * HA:
        return "state_council"
    return "chongqing"


@dataclass(frozen=True)
class Holding:
    """One parcel's land (or the sum of some parcels of one ownership) under an approval."""

    ownership: str
    basic_farmland_m2: Decimal
    farmland_m2: Decimal
    other_agricultural_m2: Decimal
    unused_m2: Decimal
    construction_m2: Decimal


@dataclass(frozen=True)
class Expropriated:
    """Collective land taken, by the classes of 第四十六条."""

    basic_farmland_m2: Decimal = ZERO
    cultivated_non_basic_m2: Decimal = ZERO
    other_m2: Decimal = ZERO


@dataclass(frozen=True)
class Authority:
    conversion: str
    expropriation: str
    required: str
    converted_basic_farmland_m2: Decimal
    converted_non_basic_agricultural_m2: Decimal
    expropriated: Expropriated


def approval_authority(holdings: Iterable[Holding], laws: law.LawSet | None = None
                       ) -> Authority:
    """Conversion and expropriation judged separately over the whole approval: every parcel's
    agricultural land is converted; only collective land is expropriated (state-owned land is
    not, 土地管理法 第四十五条). The approval needs the higher of the two authorities: a province
    converting within its power approves the expropriation with it, but an expropriation beyond
    that power goes to the State Council separately (第四十六条第三款); one ``authority`` per
    approval records the higher."""
    basic = non_basic = e_basic = e_cultivated = e_other = ZERO
    for h in holdings:
        cultivated = max(h.farmland_m2 - h.basic_farmland_m2, ZERO)
        basic += h.basic_farmland_m2
        non_basic += cultivated + h.other_agricultural_m2
        if h.ownership == "collective":
            e_basic += h.basic_farmland_m2
            e_cultivated += cultivated
            e_other += h.other_agricultural_m2 + h.unused_m2 + h.construction_m2
    conversion = conversion_authority(basic, non_basic, laws)
    expropriation = expropriation_authority(e_basic, e_cultivated, e_other, laws)
    required = "state_council" if "state_council" in (conversion, expropriation) else "chongqing"
    return Authority(conversion, expropriation, required, basic, non_basic,
                     Expropriated(e_basic, e_cultivated, e_other))


@guard(codes=("APPROVAL_AUTHORITY_INSUFFICIENT",),
       source="土地管理法 第四十四条、第四十六条; 国发〔2020〕4号 (non-basic conversion "
              "authorised to the province; entrustment configurable)",
       meaning="The approving authority is the higher of the conversion authority (State "
               "Council for basic farmland, the province for other agricultural land at any "
               "area) and, for collective land only, the expropriation authority (State Council "
               "for basic farmland, non-basic cultivated land > 35 ha or other land > 70 ha), "
               "counted over the whole approval (all parcels under one approval number).",
       precheck=False)
def approving_authority_sufficient(ctx: StepContext) -> None:
    p = ctx.held
    given = ctx.payload.get("authority", "chongqing")
    holdings = [Holding(p.ownership, ctx.control_lines("basic_farmland").basic_farmland_m2,
                        p.farmland_m2, p.other_agricultural_m2, p.unused_m2,
                        p.construction_m2)]
    approval_no = ctx.payload.get("approval_no")
    if approval_no:
        # The thresholds apply per approval (application package): add the parcels already
        # approved under the same document, by ownership.
        rows = ctx.session.execute(
            select(Parcel.ownership, func.sum(Parcel.basic_farmland_m2),
                   func.sum(Parcel.farmland_m2), func.sum(Parcel.other_agricultural_m2),
                   func.sum(Parcel.unused_m2), func.sum(Parcel.construction_m2))
            .where(Parcel.approval_no == approval_no, Parcel.id != p.id)
            .group_by(Parcel.ownership)
        ).all()
        holdings += [Holding(r[0], *(Decimal(v or 0) for v in r[1:])) for r in rows]
    judged = approval_authority(holdings, ctx.law)
    if judged.required == "state_council" and given != "state_council":
        if given == "chongqing" and ctx.law.value("approval.chongqing_entrusted"):
            return
        e = judged.expropriated
        ctx.violate("APPROVAL_AUTHORITY_INSUFFICIENT", required=judged.required, given=given,
                    required_zh=AUTHORITY_ZH[judged.required],
                    given_zh=AUTHORITY_ZH.get(given, given),
                    conversion_required=judged.conversion,
                    expropriation_required=judged.expropriation,
                    converted_basic_farmland_m2=judged.converted_basic_farmland_m2,
                    converted_non_basic_agricultural_m2=(
                        judged.converted_non_basic_agricultural_m2),
                    basic_farmland_m2=e.basic_farmland_m2,
                    cultivated_non_basic_m2=e.cultivated_non_basic_m2, other_m2=e.other_m2,
                    thresholds_ha={"cultivated_non_basic": str(ctx.law.value(
                        "expro.sc_threshold.cultivated_non_pbf_ha")),
                        "other": str(ctx.law.value("expro.sc_threshold.other_ha"))},
                    article=("土地管理法 第四十六条" if judged.expropriation == "state_council"
                             else "土地管理法 第四十四条第二款"))


def lapse_date(approved_on: date) -> date:
    """An approval unused for two full years lapses on the second anniversary (by the law in
    force on the day it was approved)."""
    return add_years(approved_on, law.value("approval.validity_years", approved_on))


@guard(codes=("APPROVAL_LAPSED",),
       source="国发〔2004〕28号 第十九条; 国土资发〔2004〕237号 第十四条",
       meaning="An approval neither expropriated nor used within two years has lapsed; it "
               "cannot be expropriated or supplied on (recovered land is not affected).")
def approval_not_lapsed(ctx: StepContext) -> None:
    p = ctx.held
    if p.state != "approved" or p.approved_on is None:
        # Expropriation carried out the approval; recovered land is state reserve land.
        return
    ends = lapse_date(p.approved_on)
    if ctx.effective_date >= ends:
        ctx.violate("APPROVAL_LAPSED", approved_on=p.approved_on, lapsed_on=ends,
                    effective_date=ctx.effective_date, article="国发〔2004〕28号 第十九条")


@guard(codes=("APPROVAL_NOT_EXPIRED", "APPROVAL_ALREADY_IMPLEMENTED"),
       source="国发〔2004〕28号 第十九条",
       meaning="An approval lapses only when two full years have passed without expropriation "
               "or use.")
def approval_validity_expired(ctx: StepContext) -> None:
    p = ctx.held
    if p.state == "expropriated":
        ctx.violate("APPROVAL_ALREADY_IMPLEMENTED", expropriated_on=p.expropriated_on,
                    article="国发〔2004〕28号 第十九条")
        return
    assert p.approved_on is not None
    ends = lapse_date(p.approved_on)
    if ctx.effective_date < ends:
        ctx.violate("APPROVAL_NOT_EXPIRED", approved_on=p.approved_on, lapsed_on=ends,
                    effective_date=ctx.effective_date)
