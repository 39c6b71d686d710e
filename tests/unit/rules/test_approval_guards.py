"""批: the pre-approval expropriation procedure and the two-year validity of an approval."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.rules.helpers import D, make_ctx, make_parcel, rec, refusals
from workflow import law
from workflow.rules.approval import (
    Holding,
    approval_authority,
    conversion_authority,
    expropriation_authority,
)

# Every step of the procedure, dated so that each period holds on 2023-03-01.
PROCEDURE = [
    ("pre_announcement", "2022-11-10"),
    ("status_survey", "2022-11-20"),
    ("risk_assessment", "2022-11-25"),
    ("plan_announcement", "2022-12-05"),
    ("compensation_registration", "2022-12-20"),
    ("funds_in_place", "2023-02-15"),
    ("agreements_signed", "2023-02-20"),
]


def procedure(*, skip: tuple[str, ...] = (), **dates: str) -> list:
    """The records of ``PROCEDURE`` without ``skip``, with some dates replaced."""
    return [rec(kind, dates.get(kind, on)) for kind, on in PROCEDURE if kind not in skip]


def approving(records: list, on: str = "2023-03-01", **parcel):
    return make_ctx("approve", parcel=make_parcel(**parcel), records=records,
                    effective_date=on)


def steps(ctx) -> list[str]:
    return [v.details["step"] for v in ctx.violations]


def test_the_whole_procedure_on_time_passes():
    ctx = approving(procedure())
    assert refusals("pre_approval_expropriation_complete", ctx) == []


def test_state_owned_land_needs_no_procedure():
    ctx = approving([], ownership="state")
    assert refusals("pre_approval_expropriation_complete", ctx) == []


@pytest.mark.parametrize("missing", [kind for kind, _ in PROCEDURE])
def test_each_missing_step_is_named(missing):
    ctx = approving(procedure(skip=(missing,)))
    assert refusals("pre_approval_expropriation_complete", ctx) == [
        "EXPROPRIATION_PROCEDURE_INCOMPLETE"]
    assert steps(ctx) == [missing]


def test_a_step_recorded_after_the_approval_date_does_not_count():
    ctx = approving(procedure(funds_in_place="2023-03-02"))
    assert refusals("pre_approval_expropriation_complete", ctx) == [
        "EXPROPRIATION_PROCEDURE_INCOMPLETE"]
    assert steps(ctx) == ["funds_in_place"]


def test_the_plan_is_announced_on_the_tenth_working_day_after_the_pre_announcement():
    # Pre-announced Thursday 2022-12-01; the tenth working day after it is 2022-12-15.
    ok = approving(procedure(pre_announcement="2022-12-01", plan_announcement="2022-12-15"))
    assert refusals("pre_approval_expropriation_complete", ok) == []
    early = approving(procedure(pre_announcement="2022-12-01", plan_announcement="2022-12-14"))
    assert refusals("pre_approval_expropriation_complete", early) == [
        "EXPROPRIATION_PROCEDURE_INCOMPLETE"]
    assert steps(early) == ["pre_announcement"]
    assert early.violations[0].details["period_ends"] == "2022-12-15"


def test_a_pre_announcement_period_still_running_at_the_approval():
    # Pre-announced Monday 2023-02-20: ten working days run to 2023-03-06, after the approval.
    ctx = approving(procedure(skip=("plan_announcement",), pre_announcement="2023-02-20"))
    assert refusals("pre_approval_expropriation_complete", ctx) == [
        "EXPROPRIATION_PROCEDURE_INCOMPLETE"] * 2
    assert steps(ctx) == ["pre_announcement", "plan_announcement"]
    assert ctx.violations[0].details["period_ends"] == "2023-03-06"


def test_the_plan_is_announced_thirty_days_before_the_approval():
    late = procedure(plan_announcement="2023-01-31")
    ctx = approving(late, on="2023-03-01")  # 29 days
    assert refusals("pre_approval_expropriation_complete", ctx) == [
        "EXPROPRIATION_PROCEDURE_INCOMPLETE"]
    assert steps(ctx) == ["plan_announcement"]
    assert ctx.violations[0].details["earliest_approval"] == "2023-03-02"
    assert refusals("pre_approval_expropriation_complete", approving(late, on="2023-03-02")) == []


def test_the_last_plan_announcement_runs_the_thirty_days():
    records = procedure() + [rec("plan_announcement", "2023-02-01")]  # announced again
    assert refusals("pre_approval_expropriation_complete", approving(records)) == [
        "EXPROPRIATION_PROCEDURE_INCOMPLETE"]
    assert refusals("pre_approval_expropriation_complete",
                    approving(records, on="2023-03-03")) == []


@pytest.mark.parametrize(("hearing", "expected"), [
    (None, ["hearing"]),
    ("2022-12-19", ["hearing"]),  # before the objection
    ("2022-12-20", []),  # the day of the objection
    ("2023-03-01", []),  # the day of the approval
    ("2023-03-02", ["hearing"]),  # after the approval
])
def test_a_majority_objection_needs_a_hearing_between_it_and_the_approval(hearing, expected):
    records = procedure() + [rec("objection_majority", "2022-12-20")]
    if hearing:
        records.append(rec("hearing", hearing))
    ctx = approving(records)
    refusals("pre_approval_expropriation_complete", ctx)
    assert steps(ctx) == expected


@pytest.mark.parametrize(("trigger", "on", "expected"), [
    ("expropriate", "2025-02-28", []),
    ("expropriate", "2025-03-01", ["APPROVAL_LAPSED"]),
    ("supply", "2025-02-28", []),
    ("supply", "2025-03-01", ["APPROVAL_LAPSED"]),
])
def test_an_approval_lapses_on_its_second_anniversary(trigger, on, expected):
    ctx = make_ctx(trigger, parcel=make_parcel(state="approved", approved_on=D("2023-03-01")),
                   effective_date=on)
    assert refusals("approval_not_lapsed", ctx) == expected


def test_an_approval_of_29_february_lapses_on_28_february():
    parcel = make_parcel(state="approved", approved_on=D("2024-02-29"))
    ok = make_ctx("expropriate", parcel=parcel, effective_date="2026-02-27")
    assert refusals("approval_not_lapsed", ok) == []
    lapsed = make_ctx("expropriate", parcel=parcel, effective_date="2026-02-28")
    assert refusals("approval_not_lapsed", lapsed) == ["APPROVAL_LAPSED"]
    assert lapsed.violations[0].details["lapsed_on"] == "2026-02-28"


@pytest.mark.parametrize("state", ["expropriated", "recovered"])
def test_carried_out_or_recovered_land_does_not_lapse(state):
    ctx = make_ctx("supply", parcel=make_parcel(state=state, approved_on=D("2023-03-01")),
                   effective_date="2026-06-30")
    assert refusals("approval_not_lapsed", ctx) == []


@pytest.mark.parametrize(("on", "expected"), [
    ("2025-02-28", ["APPROVAL_NOT_EXPIRED"]),
    ("2025-03-01", []),
])
def test_a_lapse_is_declared_from_the_second_anniversary(on, expected):
    ctx = make_ctx("lapse", parcel=make_parcel(state="approved", approved_on=D("2023-03-01")),
                   effective_date=on)
    assert refusals("approval_validity_expired", ctx) == expected


def test_an_expropriated_approval_never_lapses():
    ctx = make_ctx("lapse", parcel=make_parcel(state="expropriated", approved_on=D("2023-03-01"),
                                               expropriated_on=D("2023-03-20")),
                   effective_date="2026-06-30")
    assert refusals("approval_validity_expired", ctx) == ["APPROVAL_ALREADY_IMPLEMENTED"]
    assert ctx.violations[0].details["expropriated_on"] == "2023-03-20"


# The order of the procedure (实施条例 第二十六条至第三十条; 土地管理法 第四十七条): a step is in
# order when it is dated on or after every step it depends on.


def out_of_order(ctx) -> list[tuple[str, str]]:
    return [(v.details["step"], v.details["must_follow"]) for v in ctx.violations]


def test_the_whole_procedure_in_order_passes_the_order_check():
    ctx = approving(procedure())
    assert refusals("expropriation_steps_in_order", ctx) == []


def test_state_owned_land_has_no_procedure_to_order():
    ctx = approving(procedure(plan_announcement="2022-11-15"), ownership="state")
    assert refusals("expropriation_steps_in_order", ctx) == []


@pytest.mark.parametrize("basis", ["status_survey", "risk_assessment"])
def test_compensation_plan_follows_the_status_survey_and_the_risk_assessment(basis):
    """实施条例 第二十七条: the plan is drafted on the risk assessment and the status survey, so
    its announcement (第二十八条第一款) cannot precede either."""
    ctx = approving(procedure(**{basis: "2022-12-06"}))  # the plan was announced on 12-05
    assert refusals("expropriation_steps_in_order", ctx) == [
        "EXPROPRIATION_PROCEDURE_OUT_OF_ORDER"]
    assert out_of_order(ctx) == [("plan_announcement", basis)]
    v = ctx.violations[0].details
    assert v["dated"] == "2022-12-05" and v["must_follow_dated"] == "2022-12-06"
    assert "第二十七条" in v["article"]


def test_the_plan_may_be_announced_the_day_the_survey_is_completed():
    ctx = approving(procedure(status_survey="2022-12-05", risk_assessment="2022-12-05"))
    assert refusals("expropriation_steps_in_order", ctx) == []


def test_compensation_registration_follows_the_plan_announcement():
    """实施条例 第二十八条第二款; 土地管理法 第四十七条第四款: owners register within the period the
    compensation plan's announcement sets, so not before it."""
    ctx = approving(procedure(compensation_registration="2022-12-04"))
    assert refusals("expropriation_steps_in_order", ctx) == [
        "EXPROPRIATION_PROCEDURE_OUT_OF_ORDER"]
    assert out_of_order(ctx) == [("compensation_registration", "plan_announcement")]
    assert "第二十八条第二款" in ctx.violations[0].details["article"]


@pytest.mark.parametrize("step", ["status_survey", "risk_assessment"])
def test_survey_and_risk_assessment_follow_the_pre_announcement(step):
    """实施条例 第二十六条: the pre-announcement sets out the survey arrangements; the survey and
    the assessment are carried out after it."""
    ctx = approving(procedure(**{step: "2022-11-09"}))
    assert refusals("expropriation_steps_in_order", ctx) == [
        "EXPROPRIATION_PROCEDURE_OUT_OF_ORDER"]
    assert out_of_order(ctx) == [(step, "pre_announcement")]


def test_agreements_follow_the_compensation_registration():
    """土地管理法 第四十七条第四款; 实施条例 第二十九条: agreements are signed on the plan as
    determined, with the owners who registered."""
    ctx = approving(procedure(compensation_registration="2023-02-21"))
    assert refusals("expropriation_steps_in_order", ctx) == [
        "EXPROPRIATION_PROCEDURE_OUT_OF_ORDER"]
    assert out_of_order(ctx) == [("agreements_signed", "compensation_registration")]


def test_agreements_follow_the_hearing_a_majority_objection_required():
    """实施条例 第二十九条: the plan is determined on the hearing before agreements are signed."""
    records = procedure() + [rec("objection_majority", "2022-12-20"), rec("hearing", "2023-02-25")]
    ctx = approving(records)
    assert refusals("expropriation_steps_in_order", ctx) == [
        "EXPROPRIATION_PROCEDURE_OUT_OF_ORDER"]
    assert out_of_order(ctx) == [("agreements_signed", "hearing")]
    in_order = procedure() + [rec("objection_majority", "2022-12-20"), rec("hearing", "2023-01-10")]
    assert refusals("expropriation_steps_in_order", approving(in_order)) == []


def test_a_majority_objection_follows_the_plan_it_objects_to():
    """实施条例 第二十八条第三款: the members object to the announced plan."""
    records = procedure() + [rec("objection_majority", "2022-12-01"), rec("hearing", "2022-12-10")]
    ctx = approving(records)
    assert refusals("expropriation_steps_in_order", ctx) == [
        "EXPROPRIATION_PROCEDURE_OUT_OF_ORDER"]
    assert out_of_order(ctx) == [("objection_majority", "plan_announcement")]


def test_a_plan_announced_again_after_the_survey_puts_the_procedure_in_order():
    early = procedure(status_survey="2022-12-06")  # plan announced 12-05, before the survey
    again = early + [rec("plan_announcement", "2022-12-10")]
    assert refusals("expropriation_steps_in_order", approving(again)) == []


def test_a_registration_before_the_plan_cannot_carry_the_steps_after_it():
    # Registered before the plan and never again: the agreements have no registration before
    # them either, but the procedure is reported where it went wrong.
    ctx = approving(procedure(compensation_registration="2022-12-01"))
    refusals("expropriation_steps_in_order", ctx)
    assert out_of_order(ctx) == [("compensation_registration", "plan_announcement")]


def test_a_missing_step_is_left_to_the_completeness_check():
    ctx = approving(procedure(skip=("status_survey", "compensation_registration")))
    assert refusals("expropriation_steps_in_order", ctx) == []


# Who approves: conversion (土地管理法 第四十四条; 国发〔2020〕4号) and expropriation (第四十六条)
# are judged separately; the approval needs the higher of the two.

HA = 10000


def m2(ha: str) -> Decimal:
    return Decimal(ha) * HA


def test_conversion_of_ordinary_farmland_is_authorised_to_the_province_at_any_area():
    """国发〔2020〕4号 authorised provincial governments to approve the conversion of farmland
    other than permanent basic farmland (土地管理法 第四十四条第三款、第四款); the 35 ha of
    第四十六条 is an expropriation threshold."""
    assert conversion_authority(Decimal(0), m2("40")) == "chongqing"
    assert conversion_authority(Decimal(0), m2("4000")) == "chongqing"


def test_conversion_of_permanent_basic_farmland_is_the_state_councils():
    """土地管理法 第四十四条第二款: 永久基本农田转为建设用地的，由国务院批准."""
    assert conversion_authority(Decimal("0.01"), Decimal(0)) == "state_council"


def test_conversion_authorisation_to_the_province_is_a_law_parameter(tmp_path, monkeypatch):
    overrides = tmp_path / "law.json"
    overrides.write_text('{"approval.non_pbf_conversion_authorised_to_province": false}')
    monkeypatch.setenv("LANDFLOW_LAW_OVERRIDES", str(overrides))
    law.reset_overrides()
    try:
        assert conversion_authority(Decimal(0), m2("1")) == "state_council"
    finally:
        monkeypatch.delenv("LANDFLOW_LAW_OVERRIDES")
        law.reset_overrides()


@pytest.mark.parametrize(("basic", "cultivated", "other", "expected"), [
    ("0", "35", "70", "chongqing"),
    ("0", "35.000001", "0", "state_council"),
    ("0", "0", "70.000001", "state_council"),
    ("0.000001", "0", "0", "state_council"),
])
def test_expropriation_thresholds_of_article_46(basic, cultivated, other, expected):
    """土地管理法 第四十六条: the State Council for basic farmland, other cultivated land over
    35 ha, other land over 70 ha; the province otherwise."""
    assert expropriation_authority(m2(basic), m2(cultivated), m2(other)) == expected


@pytest.mark.parametrize(("ownership", "expected"), [
    ("state", "chongqing"),  # conversion only: authorised to the province
    ("collective", "state_council"),  # expropriating 40 ha of cultivated land
])
def test_state_owned_farmland_is_judged_on_conversion_alone(ownership, expected):
    """土地管理法 第四十四条 and 第四十六条: state-owned land is converted, not expropriated."""
    parcels = [Holding(ownership, basic_farmland_m2=Decimal(0), farmland_m2=m2("40"),
                       other_agricultural_m2=Decimal(0), unused_m2=Decimal(0),
                       construction_m2=Decimal(0))]
    assert approval_authority(parcels).required == expected


def test_an_approval_needs_the_stricter_of_conversion_and_expropriation():
    state_pbf = Holding("state", basic_farmland_m2=Decimal(1), farmland_m2=Decimal(1),
                        other_agricultural_m2=Decimal(0), unused_m2=Decimal(0),
                        construction_m2=Decimal(0))
    small_collective = Holding("collective", basic_farmland_m2=Decimal(0),
                               farmland_m2=m2("1"), other_agricultural_m2=Decimal(0),
                               unused_m2=Decimal(0), construction_m2=Decimal(0))
    judged = approval_authority([state_pbf, small_collective])
    assert (judged.conversion, judged.expropriation, judged.required) == (
        "state_council", "chongqing", "state_council")
    assert judged.expropriated.basic_farmland_m2 == 0  # the basic farmland is state-owned
