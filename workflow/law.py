"""The numbers of the law, in one place, keyed like RULES.md §15 — and the days each was law.

Every rule reads its numbers from here. A changed notice is an edit of this table (reviewed like
code); an operator may also override any value without a release by pointing
``LANDFLOW_LAW_OVERRIDES`` at a JSON file ``{"key": value, ...}`` — meant for the items RULES.md
tags [UNV]; an override changes the current version of a parameter, never a past one. Each
parameter carries its source and verification tag so that ``docs/rules.md`` can say where every
number comes from.

The law in force on the day. A parameter may have several versions, each with the days it was in
force (``valid_from`` … ``valid_to``, both inclusive) and the notice that put it in force
(``enacted_by``) and ended it (``ended_by``). A key's versions follow each other without gap or
overlap; the first may leave ``valid_from`` open (it then judges every earlier day: Landflow
models no older law for it) and the last leaves ``valid_to`` open (still in force).
``in_force_on(day)`` answers the ``LawSet`` of a day — one version of every parameter — and a
step is judged by the set of its effective date (``StepContext.law``), so that a backdated step
is judged by the law of its day. The set's ``id`` (the first day of the set and a digest of its
values) is recorded on the step's audit event (``audit_events.law_set``).
"""

from __future__ import annotations

import json
import os
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from hashlib import sha256
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Param:
    key: str
    value: Any
    unit: str
    source: str
    tag: str  # FT, EX, UNV (RULES.md §0.1) or "interpretation"
    # The days this version is law, both inclusive; None: open (see the module's docstring).
    valid_from: date | None = None
    valid_to: date | None = None
    # The notice that put this version in force, and the one that ended it (with their dates).
    enacted_by: str = ""
    ended_by: str = ""

    def in_force_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


_PARAMS: list[Param] = [
    # Idle land (闲置土地处置办法, 国土资源部令第53号).
    Param("idle.not_started_threshold_years", 1, "years", "闲置土地处置办法 第二条", "EX"),
    Param("idle.stalled.area_ratio", Decimal(1) / Decimal(3), "ratio", "第二条", "EX"),
    Param("idle.stalled.investment_ratio", Decimal("0.25"), "ratio", "第二条", "EX"),
    Param("idle.stalled.suspension_years", 1, "years", "第二条", "EX"),
    Param("idle.fee_rate", Decimal("0.20"), "ratio of land price", "第十四条", "EX"),
    Param("idle.recovery_threshold_years", 2, "years",
          "第十四条; 城市房地产管理法 第二十六条", "EX"),
    Param("idle.investigation_start_days", 30, "days", "第五条", "EX"),
    Param("idle.user_response_days", 30, "days", "第五条", "UNV"),
    Param("idle.fee_payment_days", 30, "days", "第十七条", "UNV"),
    Param("idle.resume_requires_fee_paid", True, "flag",
          "闲置土地处置办法 第十四条第(一)项、第十七条、第十八条: a user-cause idle case is "
          "disposed of when the fee decision is performed; false lets development resume first "
          "(the fee clock runs on, first registration still waits for it)", "interpretation"),
    Param("idle.gov_cause.extension_max_years", 1, "years", "第十二条", "EX"),
    Param("idle.gov_cause.temp_use_max_years", 2, "years", "第十二条", "EX"),
    # Stock categories and supervision.
    Param("supply_rate.window_years", 5, "years", "MNR practice (近5年平均供地率)", "EX"),
    Param("supply_rate.min", Decimal("0.60"), "ratio", "MNR practice", "EX"),
    Param("disposal_rate.target", Decimal("0.20"), "ratio", "石柱县规划 专栏3 第7项", "FT"),
    # Approval validity.
    Param("approval.validity_years", 2, "years", "国发〔2004〕28号 第十九条; 国土资发〔2004〕237号",
          "EX"),
    Param("approval.chongqing_entrusted", False, "flag",
          "国发〔2020〕4号 entrusted Chongqing with State-Council-level approvals (pilot); "
          "whether still in force is unverified", "UNV"),
    Param("approval.non_pbf_conversion_authorised_to_province", True, "flag",
          "国发〔2020〕4号 一 (authorised provincial governments to approve the conversions of "
          "土地管理法 第四十四条第三款、第四款: agricultural land other than permanent basic "
          "farmland)",
          "EX"),
    # Expropriation (土地管理法, 实施条例).
    Param("expro.pre_announcement_working_days", 10, "working days", "实施条例 第二十六条", "FT"),
    Param("expro.plan_announcement_days", 30, "days", "实施条例 第二十八条; 法 第四十七条", "FT"),
    Param("expro.post_approval_announcement_working_days", 15, "working days",
          "实施条例 第三十一条", "FT"),
    Param("expro.sc_threshold.cultivated_non_pbf_ha", Decimal("35"), "ha", "法 第四十六条", "FT"),
    Param("expro.sc_threshold.other_ha", Decimal("70"), "ha", "法 第四十六条", "FT"),
    # Supply (供地).
    # Which uses must be granted by 招拍挂 changed twice: industrial land joined the list by
    # 国发〔2006〕31号 and stayed in it under 39号令, which replaced 11号令.
    Param("supply.tender_required_uses",
          ("commercial", "tourism", "entertainment", "commodity_housing"), "uses",
          "招标拍卖挂牌出让国有土地使用权规定 (国土资源部令第11号) 第四条 "
          "(商业、旅游、娱乐和商品住宅等各类经营性用地); 城市房地产管理法 第十三条",
          "UNV", valid_to=date(2006, 8, 30),
          enacted_by="国土资源部令第11号, in force 2002-07-01 (earlier law — 城市房地产管理法 "
                     "1994 第十二条, 国发〔2001〕15号 — is not modelled: earlier days are judged "
                     "by this version)",
          ended_by="国发〔2006〕31号 of 2006-08-31"),
    Param("supply.tender_required_uses",
          ("industrial", "commercial", "tourism", "entertainment", "commodity_housing"), "uses",
          "国务院关于加强土地调控有关问题的通知 (国发〔2006〕31号) 五 (工业用地必须采用招标拍卖挂牌"
          "方式出让); 11号令 第四条",
          "UNV", valid_from=date(2006, 8, 31), valid_to=date(2007, 10, 31),
          enacted_by="国发〔2006〕31号, issued and in force 2006-08-31",
          ended_by="国土资源部令第39号, in force 2007-11-01 (11号令 repealed)"),
    Param("supply.tender_required_uses",
          ("industrial", "commercial", "tourism", "entertainment", "commodity_housing"), "uses",
          "招标拍卖挂牌出让国有建设用地使用权规定 (39号令) 第四条; 城市房地产管理法 第十三条",
          "EX", valid_from=date(2007, 11, 1),
          enacted_by="国土资源部令第39号, in force 2007-11-01"),
    Param("supply.tender_required_min_intending_users", 2, "users", "39号令 第四条", "EX"),
    Param("supply.tender_methods", ("tender", "auction", "listing"), "methods",
          "实施条例 第十八条", "FT"),
    Param("supply.allocation_uses",
          ("government", "military", "infrastructure", "public_service", "energy", "transport",
           "water", "education", "science", "culture", "health", "sports", "affordable_housing"),
          "uses", "土地管理法 第五十四条; 城市房地产管理法 第二十四条", "FT"),
    Param("grant.max_term.residential", 70, "years", "暂行条例 第十二条", "FT"),
    Param("grant.max_term.industrial", 50, "years", "暂行条例 第十二条", "FT"),
    Param("grant.max_term.edu_sci_cul_health_sport", 50, "years", "暂行条例 第十二条", "FT"),
    Param("grant.max_term.commercial_tourism_entertainment", 40, "years", "暂行条例 第十二条",
          "FT"),
    Param("grant.max_term.comprehensive", 50, "years", "暂行条例 第十二条", "FT"),
    Param("grant.full_payment_days", 60, "days", "暂行条例 第十四条", "FT"),
    Param("grant.down_payment_ratio", Decimal("0.50"), "ratio", "国土资发〔2010〕34号", "EX"),
    Param("grant.down_payment_months", 1, "months", "国土资发〔2010〕34号", "EX"),
    Param("grant.balance_deadline_years", 1, "years", "国土资发〔2010〕34号; 财综〔2009〕74号",
          "EX"),
    Param("grant.real_estate_uses",
          ("residential", "commodity_housing", "affordable_housing", "commercial", "tourism",
           "entertainment", "comprehensive"), "uses",
          "国土资发〔2010〕34号 (关于加强房地产用地供应和监管有关问题的通知) governs 房地产用地 "
          "(住宅、商服); other grants (industrial …) owe the down payment within "
          "grant.full_payment_days (暂行条例 第十四条; 财综〔2009〕74号)", "interpretation"),
    # Registration.
    Param("registration.cq.initial_transfer_working_days", 15, "working days",
          "重庆市土地房屋权属登记条例 第二十五条", "FT"),
    Param("registration.national_working_days", 30, "working days", "不动产登记暂行条例 第二十条",
          "FT"),
    # Chongqing land tickets (地票).
    Param("地票.farmer_share", Decimal("0.85"), "ratio of net proceeds", "重庆市地票管理办法",
          "EX"),
    # Farmland balance.
    Param("farmland.credit_accepted_on_or_before_approval", True, "flag",
          "先补后占 (中发〔2017〕4号): accepted no later than the approval date", "interpretation"),
    # The window of dates the system accepts: every date of every payload, query and import row.
    Param("dates.earliest", date(1949, 10, 1), "date",
          "中华人民共和国成立: no act under PRC land law is dated earlier", "interpretation"),
    Param("dates.latest", date(2100, 12, 31), "date",
          "planning horizon: beyond the longest term (70 years) of a grant made today",
          "interpretation"),
]

# Which grant-term key applies to each planned use (暂行条例 第十二条).
TERM_KEY_BY_USE: dict[str, str] = {
    "residential": "grant.max_term.residential",
    "commodity_housing": "grant.max_term.residential",
    "affordable_housing": "grant.max_term.residential",
    "industrial": "grant.max_term.industrial",
    "mining": "grant.max_term.industrial",
    "education": "grant.max_term.edu_sci_cul_health_sport",
    "science": "grant.max_term.edu_sci_cul_health_sport",
    "culture": "grant.max_term.edu_sci_cul_health_sport",
    "health": "grant.max_term.edu_sci_cul_health_sport",
    "sports": "grant.max_term.edu_sci_cul_health_sport",
    "commercial": "grant.max_term.commercial_tourism_entertainment",
    "tourism": "grant.max_term.commercial_tourism_entertainment",
    "entertainment": "grant.max_term.commercial_tourism_entertainment",
}

_PARAMS += [
    # How far a declared figure may differ from the overlay of the surveyed boundary: the larger
    # of an absolute and a relative allowance (勘测定界 area tolerance).
    Param("spatial.tolerance_m2", Decimal("1.00"), "m²", "TD/T 1008-2007 土地勘测定界规程", "UNV"),
    Param("spatial.tolerance_ratio", Decimal("0.005"), "ratio of the parcel's area",
          "TD/T 1008-2007 土地勘测定界规程", "UNV"),
]

# Limited human activities allowed inside the ecological red line (自然资发〔2022〕142号).
RED_LINE_ALLOWED_ACTIVITIES: tuple[str, ...] = (
    "patrol_enforcement_research_monitoring", "disaster_prevention", "national_defence",
    "existing_residents_farming", "archaeology", "forestry_management",
    "low_impact_tourism_facility", "linear_infrastructure", "geological_survey",
)

# What an exemption opens protected land to: the planned uses each exempt category covers. A
# label alone opens nothing; the planned use must itself be one the category is about.
_PBF = "土地管理法 第三十五条; 自然资规〔2018〕3号"
_RED = "自然资发〔2022〕142号 一(一)"
_PARAMS += [
    # Permanent basic farmland: only the key energy, transport, water and military projects
    # themselves (第三十五条), by the categories of 自然资规〔2018〕3号.
    Param("basic_farmland.exempt_uses.central_decision",
          ("energy", "transport", "water", "military", "infrastructure"), "uses",
          f"{_PBF} 第1类 (党中央、国务院明确支持的重大建设项目), read with 第三十五条's list",
          "UNV"),
    Param("basic_farmland.exempt_uses.military", ("military",), "uses", f"{_PBF} 第2类",
          "interpretation"),
    Param("basic_farmland.exempt_uses.transport", ("transport", "infrastructure"), "uses",
          f"{_PBF} 第3类", "interpretation"),
    Param("basic_farmland.exempt_uses.energy", ("energy", "infrastructure", "mining"), "uses",
          f"{_PBF} 第4类 (incl. 能源开采)", "UNV"),
    Param("basic_farmland.exempt_uses.water", ("water", "infrastructure"), "uses",
          f"{_PBF} 第5类", "interpretation"),
    Param("basic_farmland.exempt_uses.state_recognised",
          ("transport", "energy", "water", "infrastructure"), "uses", f"{_PBF} 第6类",
          "interpretation"),
    # Ecological red line: the limited human activities of 142号, each only for its own
    # facilities; development and production construction stays prohibited.
    Param("red_line.exempt_uses.patrol_enforcement_research_monitoring",
          ("government", "science", "public_service"), "uses", f"{_RED}1", "interpretation"),
    Param("red_line.exempt_uses.disaster_prevention", ("public_service", "infrastructure", "water"),
          "uses", f"{_RED}1", "interpretation"),
    Param("red_line.exempt_uses.national_defence", ("military",), "uses", f"{_RED}1",
          "interpretation"),
    Param("red_line.exempt_uses.existing_residents_farming", ("residential",), "uses",
          f"{_RED}2 (不扩大现有建设用地: residents' own facilities only)", "UNV"),
    Param("red_line.exempt_uses.archaeology", ("culture", "science"), "uses", f"{_RED}3",
          "interpretation"),
    Param("red_line.exempt_uses.forestry_management", (), "uses",
          f"{_RED}4 (felling and regeneration: no construction use)", "UNV"),
    Param("red_line.exempt_uses.low_impact_tourism_facility", ("tourism", "public_service"),
          "uses", f"{_RED}5", "interpretation"),
    Param("red_line.exempt_uses.linear_infrastructure",
          ("transport", "energy", "water", "infrastructure"), "uses", f"{_RED}6",
          "interpretation"),
    Param("red_line.exempt_uses.geological_survey", ("science", "mining"), "uses",
          f"{_RED}7 (地质调查与矿产资源勘查开采)", "UNV"),
]



def _histories(params: list[Param]) -> dict[str, tuple[Param, ...]]:
    """Each key's versions in order of time; refuses a gap, an overlap or a second open end."""
    by_key: dict[str, list[Param]] = {}
    for p in params:
        by_key.setdefault(p.key, []).append(p)
    out: dict[str, tuple[Param, ...]] = {}
    for key, versions in by_key.items():
        versions.sort(key=lambda p: p.valid_from or date.min)
        for i, p in enumerate(versions):
            if p.valid_from is not None and p.valid_to is not None and p.valid_to < p.valid_from:
                raise ValueError(f"law parameter {key}: in force {p.valid_from} … {p.valid_to}")
            if (i == 0) != (p.valid_from is None):
                raise ValueError(f"law parameter {key}: the first version, and only it, starts "
                                 "open (it judges every day before the second)")
            if i < len(versions) - 1:
                nxt = versions[i + 1]
                if p.valid_to is None or nxt.valid_from != p.valid_to + timedelta(days=1):
                    raise ValueError(f"law parameter {key}: a version ending {p.valid_to} must "
                                     f"be followed the next day, not from {nxt.valid_from}")
            elif p.valid_to is not None:
                raise ValueError(f"law parameter {key}: no version is in force after {p.valid_to}")
        out[key] = tuple(versions)
    return out


# Every version of every parameter, by key, oldest first.
HISTORY: dict[str, tuple[Param, ...]] = _histories(_PARAMS)
# The current version of each parameter (the law as it now stands).
PARAMS: dict[str, Param] = {key: versions[-1] for key, versions in HISTORY.items()}
# The days on which some parameter changed: each begins a new parameter set.
CHANGES: tuple[date, ...] = tuple(sorted({p.valid_from for p in _PARAMS
                                          if p.valid_from is not None}))


@lru_cache(maxsize=1)
def _overrides() -> dict[str, Any]:
    path = os.environ.get("LANDFLOW_LAW_OVERRIDES")
    if not path:
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    unknown = set(data) - set(PARAMS)
    if unknown:
        raise ValueError(f"LANDFLOW_LAW_OVERRIDES names unknown parameters: {sorted(unknown)}")
    return {k: _coerce(PARAMS[k].value, v) for k, v in data.items()}


def _coerce(template: Any, value: Any) -> Any:
    if isinstance(template, date):
        return date.fromisoformat(value)
    if isinstance(template, Decimal):
        return Decimal(str(value))
    if isinstance(template, tuple):
        return tuple(value)
    return type(template)(value)


def value(key: str, on: date | None = None) -> Any:
    """The parameter's value in force on ``on`` (``in_force_on(on).value(key)``); without a day,
    its current version, overridden by ``LANDFLOW_LAW_OVERRIDES`` if it names it. A step reads
    ``ctx.law.value(key)``: the law of its effective date."""
    if key not in PARAMS:
        raise KeyError(f"no legal parameter {key}")
    if on is not None:
        return in_force_on(on).value(key)
    return _overrides().get(key, PARAMS[key].value)


@dataclass(frozen=True)
class LawSet:
    """The legal parameters in force on every day from ``since`` to ``until`` (inclusive; None:
    open): one version of each parameter. ``id`` names it in audit events: the set's first day
    ("origin" for the days before the first change) and a digest of every key, value and
    version, so that a changed value or an override gives another id."""

    id: str
    since: date | None
    until: date | None
    params: Mapping[str, Param]
    values: Mapping[str, Any]

    def value(self, key: str) -> Any:
        if key not in self.values:
            raise KeyError(f"no legal parameter {key}")
        return self.values[key]

    def param(self, key: str) -> Param:
        return self.params[key]


def in_force_on(day: date) -> LawSet:
    """The parameter set that judges a step effective on ``day``."""
    return _law_set(bisect_right(CHANGES, day))


@cache
def _law_set(segment: int) -> LawSet:
    since = CHANGES[segment - 1] if segment > 0 else None
    until = CHANGES[segment] - timedelta(days=1) if segment < len(CHANGES) else None
    probe = since or date.min
    params = {key: next(p for p in versions if p.in_force_on(probe))
              for key, versions in HISTORY.items()}
    overrides = _overrides()
    values = {key: overrides[key] if key in overrides and p is PARAMS[key] else p.value
              for key, p in params.items()}
    digest = sha256(json.dumps(
        [[key, values[key], p.valid_from] for key, p in sorted(params.items())],
        default=str, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()
    label = since.isoformat() if since is not None else "origin"
    return LawSet(id=f"{label}#{digest[:12]}", since=since, until=until, params=params,
                  values=values)


def current() -> LawSet:
    """The law as it now stands: the set of the last change."""
    return _law_set(len(CHANGES))


def law_sets() -> list[LawSet]:
    """Every parameter set, oldest first."""
    return [_law_set(i) for i in range(len(CHANGES) + 1)]


def reset_overrides() -> None:
    _overrides.cache_clear()
    _law_set.cache_clear()
