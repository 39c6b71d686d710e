"""批: the pre-approval expropriation procedure, the approving authority, and the two-year
validity of an approval (expropriate, supply, lapse)."""

from __future__ import annotations

import pytest

from tests.factories import PRE_APPROVAL_RECORDS
from tests.integration.rules.helpers import ready_to_approve, refused
from workflow import law
from workflow.errors import RuleViolation


@pytest.mark.parametrize("missing", [k for k, _ in PRE_APPROVAL_RECORDS])
def test_every_pre_approval_step_is_required_for_collective_land(world, missing):
    pid = world.parcel_in("planned")
    world.pre_approval_records(pid, skip=(missing,))
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "approve")
    assert err.value.codes == {"EXPROPRIATION_PROCEDURE_INCOMPLETE"}
    assert missing in {v.details["step"] for v in err.value.violations}


def test_state_owned_land_needs_no_expropriation_procedure(world):
    pid = world.parcel_in("planned", ownership="state")
    world.fire(pid, "approve")
    assert world.state_of(pid) == "approved"


def test_the_pre_announcement_lasts_ten_working_days_before_the_plan_is_announced(world):
    pid = world.parcel_in("planned")
    # Published Thursday 2022-12-01; the 10th working day after it is Thursday 2022-12-15.
    world.pre_approval_records(pid, skip=("pre_announcement", "status_survey", "risk_assessment",
                                          "plan_announcement"))
    world.record(pid, "pre_announcement", "2022-12-01")
    # The survey and the assessment follow the pre-announcement (实施条例 第二十六条).
    world.record(pid, "status_survey", "2022-12-02")
    world.record(pid, "risk_assessment", "2022-12-05")
    world.record(pid, "plan_announcement", "2022-12-14")
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "approve")
    v = err.value.violations[0]
    assert v.details["step"] == "pre_announcement" and v.details["period_ends"] == "2022-12-15"
    world.record(pid, "plan_announcement", "2022-12-15")  # announced again, on time
    world.fire(pid, "approve")
    assert world.state_of(pid) == "approved"


def test_the_plan_is_announced_thirty_days_before_approval(world):
    pid = world.parcel_in("planned")
    world.pre_approval_records(pid, skip=("plan_announcement", "compensation_registration"))
    world.record(pid, "plan_announcement", "2023-01-31")  # approval on 2023-03-01: 29 days
    world.record(pid, "compensation_registration", "2023-02-05")  # after the announcement
    assert refused(world, pid, "approve") == {"EXPROPRIATION_PROCEDURE_INCOMPLETE"}
    world.fire(pid, "approve", effective_date="2023-03-02")  # 30 days: lawful
    assert world.state_of(pid) == "approved"


def test_a_majority_objection_requires_a_hearing(world):
    pid = ready_to_approve(world)
    world.record(pid, "objection_majority", "2022-12-20")
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "approve")
    assert err.value.violations[0].details["step"] == "hearing"
    world.record(pid, "hearing", "2023-01-10")
    world.fire(pid, "approve")
    assert world.state_of(pid) == "approved"


def test_compensation_plan_announced_before_the_status_survey_is_refused(world):
    """实施条例 第二十七条: the plan rests on the status survey and the risk assessment; announced
    before the survey, the approval is refused until the plan is announced again after it."""
    pid = world.parcel_in("planned")
    world.pre_approval_records(pid, skip=("status_survey",))
    world.record(pid, "status_survey", "2022-12-10")  # the plan was announced on 2022-12-05
    assert refused(world, pid, "approve") == {"EXPROPRIATION_PROCEDURE_OUT_OF_ORDER"}
    world.record(pid, "plan_announcement", "2022-12-15")  # announced again, after the survey
    world.fire(pid, "approve")
    assert world.state_of(pid) == "approved"


def test_compensation_registration_before_the_plan_announcement_is_refused(world):
    """实施条例 第二十八条第二款; 土地管理法 第四十七条第四款: registration takes place within the
    period the plan's announcement sets."""
    pid = world.parcel_in("planned")
    world.pre_approval_records(pid, skip=("compensation_registration",))
    world.record(pid, "compensation_registration", "2022-12-01")  # plan announced 2022-12-05
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "approve")
    assert err.value.codes == {"EXPROPRIATION_PROCEDURE_OUT_OF_ORDER"}
    v = err.value.violations[0].details
    assert (v["step"], v["must_follow"]) == ("compensation_registration", "plan_announcement")
    world.record(pid, "compensation_registration", "2022-12-21")
    world.fire(pid, "approve")
    assert world.state_of(pid) == "approved"


BIG = {"farmland_m2": "360000", "paddy_m2": "0", "farmland_grade": 5,
       "other_agricultural_m2": "0", "unused_m2": "0", "construction_m2": "0"}


def test_a_collective_parcel_over_35_ha_of_farmland_needs_the_state_council(world):
    pid = ready_to_approve(world, land=BIG)
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "approve", authority="chongqing")
    assert err.value.codes == {"APPROVAL_AUTHORITY_INSUFFICIENT"}
    assert err.value.violations[0].details["required"] == "state_council"
    world.fire(pid, "approve", authority="state_council")
    p = world.parcel(pid)
    assert p.state == "approved" and p.approval_authority == "state_council"


def test_exactly_35_ha_stays_with_chongqing_and_any_basic_farmland_does_not(world):
    pid = ready_to_approve(world, land={**BIG, "farmland_m2": "350000"})
    world.fire(pid, "approve", authority="chongqing")
    assert world.state_of(pid) == "approved"
    pid = world.survey(control_lines={"basic_farmland_m2": "1"})
    world.fire(pid, "plan", planned_use="water",
               major_project={"category": "water", "name": "藤子沟水库",
                              "approval_ref": "国函〔2021〕1号"})
    world.pre_approval_records(pid)
    assert refused(world, pid, "approve") == {"APPROVAL_AUTHORITY_INSUFFICIENT"}


def test_other_land_over_70_ha_needs_the_state_council_and_parcels_of_one_approval_add_up(
        world):
    land = {"farmland_m2": "0", "paddy_m2": "0", "farmland_grade": None,
            "other_agricultural_m2": "400000", "unused_m2": "0", "construction_m2": "0"}
    # Collective land: 70 ha is the expropriation threshold of 土地管理法 第四十六条.
    a = ready_to_approve(world, land=land)
    world.fire(a, "approve", approval_no="渝府地〔2023〕500号")
    b = ready_to_approve(world, land=land)
    # 40 ha alone would be Chongqing's; with the first parcel of the same approval, 80 ha.
    assert refused(world, b, "approve", approval_no="渝府地〔2023〕500号") == {
        "APPROVAL_AUTHORITY_INSUFFICIENT"}
    world.fire(b, "approve", approval_no="渝府地〔2023〕501号")
    assert world.state_of(b) == "approved"
    # State-owned land of the same approval is converted, not expropriated: it does not count
    # towards the expropriation thresholds.
    c = ready_to_approve(world, ownership="state", land=land)
    world.fire(c, "approve", approval_no="渝府地〔2023〕501号", authority="chongqing")
    assert world.state_of(c) == "approved"


def test_state_owned_ordinary_farmland_conversion_is_the_provinces_at_any_area(world):
    """土地管理法 第四十四条第三款、第四款; 国发〔2020〕4号: converting farmland other than
    permanent basic farmland is authorised to the province; 第四十六条's 35 ha governs
    expropriation, and state-owned land is not expropriated."""
    pid = ready_to_approve(world, ownership="state", land={**BIG, "farmland_m2": "400000"})
    world.fire(pid, "approve", authority="chongqing")
    p = world.parcel(pid)
    assert p.state == "approved" and p.approval_authority == "chongqing"


def test_state_owned_basic_farmland_conversion_stays_with_the_state_council(world):
    """土地管理法 第四十四条第二款: 永久基本农田转为建设用地的，由国务院批准 — without
    expropriation too."""
    pid = world.survey(ownership="state", control_lines={"basic_farmland_m2": "1"})
    world.fire(pid, "plan", planned_use="transport",
               major_project={"category": "transport", "name": "渝湘高铁石柱段",
                              "approval_ref": "国函〔2022〕88号"})
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "approve", authority="chongqing")
    v = err.value.violations[0].details
    assert err.value.codes == {"APPROVAL_AUTHORITY_INSUFFICIENT"}
    assert (v["conversion_required"], v["expropriation_required"]) == (
        "state_council", "chongqing")
    assert v["article"] == "土地管理法 第四十四条第二款"
    world.fire(pid, "approve", authority="state_council")
    assert world.state_of(pid) == "approved"


def test_the_chongqing_entrustment_is_a_configuration_switch(world, tmp_path, monkeypatch):
    pid = ready_to_approve(world, land=BIG)
    overrides = tmp_path / "law.json"
    overrides.write_text('{"approval.chongqing_entrusted": true}')
    monkeypatch.setenv("LANDFLOW_LAW_OVERRIDES", str(overrides))
    law.reset_overrides()
    try:
        world.fire(pid, "approve", authority="chongqing")
    finally:
        monkeypatch.delenv("LANDFLOW_LAW_OVERRIDES")
        law.reset_overrides()
    assert world.state_of(pid) == "approved"


def test_an_approval_lapses_after_two_full_years(world):
    pid = world.parcel_in("approved")  # 2023-03-01
    assert refused(world, pid, "expropriate", effective_date="2025-03-01",
                   announced_on="2023-03-10") == {"APPROVAL_LAPSED"}
    world.fire(pid, "expropriate", effective_date="2025-02-28")
    assert world.state_of(pid) == "expropriated"


def test_a_lapsed_approval_cannot_be_supplied_but_recovered_land_can(world):
    pid = world.parcel_in("approved", ownership="state")
    assert refused(world, pid, "supply", effective_date="2025-03-01",
                   signed_on="2025-03-01", agreed_start_date="2025-06-01",
                   agreed_completion_date="2027-06-01") == {"APPROVAL_LAPSED"}
    rec = world.parcel_in("recovered")  # approved 2023-03-01; re-supplied > 2 years later
    world.fire(rec, "supply", effective_date="2025-09-01", signed_on="2025-09-01",
               agreed_start_date="2025-12-01", agreed_completion_date="2027-12-01")
    assert world.state_of(rec) == "supplied"


def test_expropriated_land_is_not_subject_to_the_lapse(world):
    pid = world.parcel_in("expropriated")
    world.fire(pid, "supply", effective_date="2025-06-01", signed_on="2025-06-01",
               agreed_start_date="2025-09-01", agreed_completion_date="2027-09-01")
    assert world.state_of(pid) == "supplied"


def test_lapse_only_after_two_full_years_and_never_after_expropriation(world):
    pid = world.parcel_in("approved")  # 2023-03-01
    assert refused(world, pid, "lapse", effective_date="2025-02-28") == {"APPROVAL_NOT_EXPIRED"}
    world.fire(pid, "lapse", effective_date="2025-03-01")
    assert world.state_of(pid) == "lapsed"
    done = world.parcel_in("expropriated")
    assert refused(world, done, "lapse") == {"APPROVAL_ALREADY_IMPLEMENTED"}
