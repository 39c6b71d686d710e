"""供: planning conditions, supply method, maximum terms, contract dates, area."""

from __future__ import annotations

from workflow import law
from workflow.context import StepContext
from workflow.rules.registry import guard

USE_ZH = {"industrial": "工业", "commercial": "商业", "tourism": "旅游", "entertainment": "娱乐",
          "commodity_housing": "商品住宅", "residential": "居住", "education": "教育"}


@guard(codes=("PLANNING_CONDITIONS_MISSING",),
       source="城乡规划法 第三十八条、第三十九条",
       meaning="Land is supplied only with planning conditions set (a contract without them is "
               "void).")
def planning_conditions_present(ctx: StepContext) -> None:
    p = ctx.held
    if not p.planning_conditions or not p.planned_use:
        ctx.violate("PLANNING_CONDITIONS_MISSING", article="城乡规划法 第三十八条")


@guard(codes=("SUPPLY_METHOD_NOT_ALLOWED",),
       source="实施条例 第十八条; 39号令 第四条; 土地管理法 第五十四条; 城市房地产管理法 第十三条",
       precheck=False,
       meaning="Industrial, commercial, tourism, entertainment and commodity-housing land, or "
               "any land with two or more intending users, goes by tender, auction or listing; "
               "allocation only for its legal categories.")
def supply_method_allowed(ctx: StepContext) -> None:
    p = ctx.held
    method = ctx.payload["method"]
    use = p.planned_use or "other"
    users = ctx.payload.get("intending_users") or 1
    tender_methods = ctx.law.value("supply.tender_methods")
    needs_tender = (use in ctx.law.value("supply.tender_required_uses")
                    or users >= ctx.law.value("supply.tender_required_min_intending_users"))
    if needs_tender and method not in tender_methods:
        ctx.violate("SUPPLY_METHOD_NOT_ALLOWED", use=use, method=method,
                    intending_users=users, allowed=list(tender_methods),
                    article="39号令 第四条; 实施条例 第十八条")
    elif method == "allocation" and use not in ctx.law.value("supply.allocation_uses"):
        ctx.violate("SUPPLY_METHOD_NOT_ALLOWED", use=use, method=method,
                    intending_users=users,
                    allowed=["tender", "auction", "listing", "agreement", "lease"],
                    article="土地管理法 第五十四条")


@guard(codes=("TERM_EXCEEDS_MAXIMUM", "TERM_REQUIRED"),
       source="城镇国有土地使用权出让和转让暂行条例 第十二条; 城市房地产管理法 第二十三条",
       precheck=False,
       meaning="Paid use states a term no longer than the maximum for the use (70 residential, "
               "50 industrial / education-science-culture-health-sport / other, 40 commercial-"
               "tourism-entertainment); allocation has no term.")
def term_within_maximum(ctx: StepContext) -> None:
    p = ctx.held
    if ctx.payload["method"] == "allocation":
        return
    term = ctx.payload.get("term_years")
    if term is None:
        ctx.violate("TERM_REQUIRED", method=ctx.payload["method"])
        return
    use = p.planned_use or "other"
    key = law.TERM_KEY_BY_USE.get(use, "grant.max_term.comprehensive")
    maximum = ctx.law.value(key)
    if term > maximum:
        ctx.violate("TERM_EXCEEDS_MAXIMUM", term_years=term, max_years=maximum, use=use,
                    article="暂行条例 第十二条")


@guard(codes=("CONTRACT_DATES_INVALID",),
       source="国土资发〔2010〕34号; 闲置土地处置办法 第二十一、二十二条 (start and completion "
              "dates in the contract)", precheck=False,
       meaning="The contract is signed no later than the step, and agreed start ≤ agreed "
               "completion, both after signing.")
def contract_dates_ordered(ctx: StepContext) -> None:
    body = ctx.payload
    signed, start, done = body["signed_on"], body["agreed_start_date"], \
        body["agreed_completion_date"]
    problems = []
    if signed > ctx.effective_date:
        problems.append("签订日期晚于供地日期 / signed after the supply date")
    if start < signed:
        problems.append("约定动工日期早于签订日期 / agreed start before signing")
    if done <= start:
        problems.append("约定竣工日期不晚于动工日期 / completion not after start")
    for problem in problems:
        ctx.violate("CONTRACT_DATES_INVALID", problem=problem, signed_on=signed,
                    agreed_start_date=start, agreed_completion_date=done,
                    effective_date=ctx.effective_date)


@guard(codes=("AREA_EXCEEDS_APPROVED",), source="土地管理法 第七十七条第二款 (多占)",
       precheck=False, meaning="The area supplied is not larger than the area approved.")
def supplied_area_within_approved(ctx: StepContext) -> None:
    p = ctx.held
    area = ctx.payload.get("area_m2")
    if area is not None and area > p.total_m2:
        ctx.violate("AREA_EXCEEDS_APPROVED", what="供地面积", what_en="Supplied area",
                    area_m2=area, approved_m2=p.total_m2, article="土地管理法 第七十七条")
