"""The land chain 调、规、批、征、供、用、建、验、登 as data: states, stages and the step table.

Nothing here touches a database or Flask. The service in ``workflow`` reads this table to know
which edges exist, who may fire them and which guards (rules) and effects belong to each edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ParcelState(StrEnum):
    surveyed = "surveyed"
    planned = "planned"
    approved = "approved"
    expropriated = "expropriated"
    supplied = "supplied"
    in_use = "in_use"
    under_construction = "under_construction"
    inspected = "inspected"
    registered = "registered"
    idle = "idle"
    recovered = "recovered"
    rejected = "rejected"
    withdrawn = "withdrawn"
    lapsed = "lapsed"


class Role(StrEnum):
    clerk = "clerk"
    approver = "approver"
    auditor = "auditor"
    portal = "portal"
    admin = "admin"
    # The daily sweep acts as this role; no token can carry it.
    system = "system"


ASSIGNABLE_ROLES = tuple(r for r in Role if r is not Role.system)


@dataclass(frozen=True)
class Stage:
    key: str
    zh: str
    en: str


STAGES: dict[str, Stage] = {
    s.key: s
    for s in (
        Stage("survey", "调", "survey"),
        Stage("plan", "规", "plan"),
        Stage("approve", "批", "approve"),
        Stage("expropriate", "征", "expropriate"),
        Stage("supply", "供", "supply"),
        Stage("use", "用", "use"),
        Stage("build", "建", "build"),
        Stage("inspect", "验", "inspect"),
        Stage("register", "登", "register"),
        Stage("disposal", "处置", "disposal"),
        Stage("closed", "终止", "closed"),
    )
}

STATE_STAGE: dict[ParcelState, str] = {
    ParcelState.surveyed: "survey",
    ParcelState.planned: "plan",
    ParcelState.approved: "approve",
    ParcelState.expropriated: "expropriate",
    ParcelState.supplied: "supply",
    ParcelState.in_use: "use",
    ParcelState.under_construction: "build",
    ParcelState.inspected: "inspect",
    ParcelState.registered: "register",
    ParcelState.idle: "disposal",
    ParcelState.recovered: "disposal",
    ParcelState.rejected: "closed",
    ParcelState.withdrawn: "closed",
    ParcelState.lapsed: "closed",
}

STATE_LABELS: dict[ParcelState, tuple[str, str]] = {
    ParcelState.surveyed: ("已调查", "surveyed"),
    ParcelState.planned: ("已规划", "planned"),
    ParcelState.approved: ("已批准", "approved"),
    ParcelState.expropriated: ("已征收", "expropriated"),
    ParcelState.supplied: ("已供地", "supplied"),
    ParcelState.in_use: ("已交地", "handed over"),
    ParcelState.under_construction: ("在建", "under construction"),
    ParcelState.inspected: ("已验收", "inspected"),
    ParcelState.registered: ("已登记", "registered"),
    ParcelState.idle: ("闲置", "idle"),
    ParcelState.recovered: ("已收回", "recovered"),
    ParcelState.rejected: ("不予批准", "rejected"),
    ParcelState.withdrawn: ("已撤回", "withdrawn"),
    ParcelState.lapsed: ("批准失效", "lapsed"),
}

TERMINAL_STATES = frozenset(
    {ParcelState.registered, ParcelState.rejected, ParcelState.withdrawn, ParcelState.lapsed}
)


@dataclass(frozen=True)
class Step:
    """One transition of the lifecycle.

    ``sources`` empty means the step creates the parcel (the survey). ``guards`` are names of
    rules registered in ``workflow.rules``; ``effects`` are names of effects registered in
    ``workflow.effects``. Both run inside the transition's single database transaction.
    """

    trigger: str
    sources: tuple[ParcelState, ...]
    dest: ParcelState
    stage: str
    roles: tuple[Role, ...]
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    zh: str = ""
    en: str = ""


S = ParcelState
R = Role

# The structural guards run on every step (payload valid, effective date in range).
STRUCTURAL = ("effective_date_not_in_future", "effective_date_not_before_last_event")

STEPS: tuple[Step, ...] = (
    Step("survey", (), S.surveyed, "survey", (R.clerk, R.portal),
         guards=("effective_date_not_in_future", "declared_figures_match_the_land"),
         zh="调查登记", en="record survey"),
    Step("plan", (S.surveyed,), S.planned, "plan", (R.clerk,),
         guards=STRUCTURAL + (
             "outside_red_line", "basic_farmland_protected", "inside_development_boundary",
         ),
         effects=("record_planning",), zh="规划审查", en="set planning conditions"),
    Step("approve", (S.planned,), S.approved, "approve", (R.approver,),
         guards=STRUCTURAL + (
             "approver_is_not_planner", "quota_available", "farmland_balanced",
             "pre_approval_expropriation_complete", "expropriation_steps_in_order",
             "approving_authority_sufficient",
         ),
         effects=("record_approval", "deduct_quota", "pair_farmland_credits",
                  "open_approval_deadlines"),
         zh="农用地转用和征收审批", en="approve conversion and expropriation"),
    Step("reject", (S.planned,), S.rejected, "approve", (R.approver,),
         guards=STRUCTURAL,
         effects=("release_reservations", "record_closure", "stop_all_deadlines"),
         zh="不予批准", en="reject"),
    Step("withdraw", (S.surveyed, S.planned), S.withdrawn, "closed", (R.clerk, R.portal),
         guards=STRUCTURAL,
         effects=("release_reservations", "record_closure", "stop_all_deadlines"),
         zh="撤回申请", en="withdraw"),
    Step("expropriate", (S.approved,), S.expropriated, "expropriate", (R.clerk,),
         guards=STRUCTURAL + (
             "collective_land_only", "approval_not_lapsed", "announced_within_15_working_days",
             "compensation_paid",
         ),
         effects=("record_expropriation", "close_expropriation_deadlines"),
         zh="实施征收", en="expropriate"),
    Step("supply", (S.expropriated, S.approved, S.recovered), S.supplied, "supply", (R.clerk,),
         guards=STRUCTURAL + (
             "collective_land_expropriated_first", "approval_not_lapsed",
             "planning_conditions_present", "supply_method_allowed", "term_within_maximum",
             "contract_dates_ordered", "supplied_area_within_approved",
         ),
         effects=("record_supply", "open_contract_deadlines"), zh="供地", en="supply"),
    Step("lapse", (S.approved, S.expropriated), S.lapsed, "closed", (R.approver, R.system),
         guards=STRUCTURAL + ("approval_validity_expired",),
         effects=("release_reservations", "record_closure", "stop_all_deadlines"),
         zh="批准文件失效", en="lapse approval"),
    Step("hand_over", (S.supplied,), S.in_use, "use", (R.clerk,),
         guards=STRUCTURAL, effects=("record_hand_over", "note_late_hand_over"), zh="交地",
         en="hand over"),
    Step("start_construction", (S.in_use,), S.under_construction, "build", (R.clerk,),
         guards=STRUCTURAL, effects=("record_construction_start", "close_start_deadlines"),
         zh="开工建设", en="start construction"),
    Step("inspect", (S.under_construction,), S.inspected, "inspect", (R.clerk,),
         guards=STRUCTURAL + (
             "actual_area_within_approved", "built_within_approved_boundary",
             "planning_verified",
         ),
         effects=("record_inspection", "close_completion_deadline"), zh="竣工核验",
         en="inspect"),
    Step("register", (S.inspected,), S.registered, "register", (R.clerk,),
         guards=STRUCTURAL + ("land_price_fully_paid", "idle_fee_fully_paid"),
         effects=("record_registration", "close_registration_deadlines",
                  "issue_certificate"),
         zh="不动产登记", en="register"),
    Step("declare_idle", (S.supplied, S.in_use, S.under_construction), S.idle, "disposal",
         (R.approver, R.system),
         guards=STRUCTURAL + ("idle_period_reached", "user_not_charged_for_government_delay"),
         effects=("record_idle_determination", "decide_idle_fee"),
         zh="认定闲置土地", en="declare idle"),
    Step("resume", (S.idle,), S.under_construction, "build", (R.clerk,),
         guards=STRUCTURAL + ("idle_disposal_settled",),
         effects=("record_resumption", "close_idle_clocks"), zh="恢复开发",
         en="resume development"),
    Step("recover", (S.idle,), S.recovered, "disposal", (R.approver,),
         guards=STRUCTURAL + ("recovery_lawful",),
         effects=("record_recovery", "stop_all_deadlines"), zh="收回土地使用权",
         en="recover"),
)

# How collective land reaches each state from `surveyed` (state-owned land skips expropriate).
# The demo and the tests walk these; a test checks each is a walk of STEPS.
COLLECTIVE_PATHS: dict[str, tuple[str, ...]] = {
    "surveyed": (),
    "planned": ("plan",),
    "approved": ("plan", "approve"),
    "rejected": ("plan", "reject"),
    "withdrawn": ("withdraw",),
    "expropriated": ("plan", "approve", "expropriate"),
    "lapsed": ("plan", "approve", "lapse"),
    "supplied": ("plan", "approve", "expropriate", "supply"),
    "in_use": ("plan", "approve", "expropriate", "supply", "hand_over"),
    "under_construction": ("plan", "approve", "expropriate", "supply", "hand_over",
                           "start_construction"),
    "inspected": ("plan", "approve", "expropriate", "supply", "hand_over",
                  "start_construction", "inspect"),
    "registered": ("plan", "approve", "expropriate", "supply", "hand_over",
                   "start_construction", "inspect", "register"),
    "idle": ("plan", "approve", "expropriate", "supply", "hand_over", "declare_idle"),
    "recovered": ("plan", "approve", "expropriate", "supply", "hand_over", "declare_idle",
                  "recover"),
}

STEP_BY_TRIGGER: dict[str, Step] = {s.trigger: s for s in STEPS}
TRIGGERS: tuple[str, ...] = tuple(s.trigger for s in STEPS)
CREATE_TRIGGER = "survey"


def step(trigger: str) -> Step:
    return STEP_BY_TRIGGER[trigger]


def allowed_from(state: ParcelState | str) -> list[Step]:
    """Steps whose source includes ``state`` (creation excluded)."""
    return [s for s in STEPS if ParcelState(state) in s.sources]
