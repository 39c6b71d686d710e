"""Every rule: a case where it passes and one where it refuses with its code, and a refusal
leaves the database exactly as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from tests.factories import PRE_APPROVAL_RECORDS, World
from workflow import law
from workflow.errors import RuleViolation
from workflow.models import (
    AuditEvent,
    FarmlandCredit,
    FarmlandPairing,
    OutboxEvent,
    Parcel,
    QuotaAccount,
    QuotaEntry,
)


@pytest.fixture
def world(runtime):
    return World(runtime)


def snapshot(runtime) -> tuple:
    """Everything a refused step could have touched."""
    with runtime.reader() as uow:
        s = uow.session
        return (
            tuple(s.execute(select(Parcel.id, Parcel.state, Parcel.version).order_by(Parcel.id))),
            s.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            s.execute(select(func.count()).select_from(OutboxEvent)).scalar_one(),
            tuple(s.execute(select(QuotaAccount.id, QuotaAccount.balance_m2)
                            .order_by(QuotaAccount.id))),
            s.execute(select(func.count()).select_from(QuotaEntry)).scalar_one(),
            tuple(s.execute(select(FarmlandCredit.id, FarmlandCredit.remaining_area_m2,
                                   FarmlandCredit.remaining_paddy_m2)
                            .order_by(FarmlandCredit.id))),
            s.execute(select(func.count()).select_from(FarmlandPairing)).scalar_one(),
        )


def refused(world: World, pid: int, name: str, actor: str | None = None, **payload) -> set[str]:
    before = snapshot(world.runtime)
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, name, actor, **payload)
    assert snapshot(world.runtime) == before, "a refused step changed the database"
    return err.value.codes


def planned(world: World, **survey) -> int:
    pid = world.parcel_in("surveyed", **survey)
    world.fire(pid, "plan")
    return pid


def ready_to_approve(world: World, ownership: str = "collective", **survey) -> int:
    pid = world.parcel_in("planned", ownership=ownership, **survey)
    if ownership == "collective":
        world.pre_approval_records(pid)
    return pid


# --- 规 plan ----------------------------------------------------------------------------------


def test_red_line_refuses_planning_without_an_allowed_activity(world):
    pid = world.survey(control_lines={"red_line_m2": "300"})
    assert refused(world, pid, "plan") == {"RED_LINE_CONFLICT"}
    assert refused(world, pid, "plan", red_line_activity={
        "category": "shopping_mall", "determination_ref": "x"}) == {"RED_LINE_CONFLICT"}
    world.fire(pid, "plan", red_line_activity={"category": "linear_infrastructure",
                                               "determination_ref": "渝规资红认〔2023〕5号"})
    assert world.state_of(pid) == "planned"


def test_basic_farmland_is_planned_only_for_a_listed_major_project(world):
    pid = world.survey(control_lines={"basic_farmland_m2": "2000"})
    assert refused(world, pid, "plan") == {"BASIC_FARMLAND_PROTECTED"}
    world.fire(pid, "plan", major_project={"category": "transport", "name": "渝湘高铁石柱段",
                                           "approval_ref": "国函〔2022〕88号"})
    assert world.state_of(pid) == "planned"


def test_land_outside_the_development_boundary_needs_a_village_plan(world):
    pid = world.survey(control_lines={"in_development_boundary": False})
    assert refused(world, pid, "plan") == {"OUTSIDE_DEVELOPMENT_BOUNDARY"}
    world.fire(pid, "plan", in_village_plan=True)
    assert world.state_of(pid) == "planned"


def test_several_violations_in_one_request_are_all_reported(world):
    pid = world.survey(control_lines={"red_line_m2": "100", "basic_farmland_m2": "100",
                                      "in_development_boundary": False})
    assert refused(world, pid, "plan", effective_date="2099-01-01") == {
        "RED_LINE_CONFLICT", "BASIC_FARMLAND_PROTECTED", "OUTSIDE_DEVELOPMENT_BOUNDARY",
        "EFFECTIVE_DATE_IN_FUTURE"}


# --- 批 approve: four eyes, quota, farmland ------------------------------------------------


def test_the_approver_may_not_be_the_account_that_planned(world, runtime):
    pid = ready_to_approve(world)
    runtime_actor = world.actors["clerk"]
    with runtime.uow() as uow:
        p = uow.session.get(Parcel, pid)
        p.planned_by_id = world.actors["approver"].id  # an approver who also planned it
        uow.commit()
    assert refused(world, pid, "approve") == {"SAME_ACTOR_FORBIDDEN"}
    with runtime.uow() as uow:
        uow.session.get(Parcel, pid).planned_by_id = runtime_actor.id
        uow.commit()
    world.fire(pid, "approve")
    assert world.state_of(pid) == "approved"


def test_approval_deducts_agricultural_and_unused_land_but_not_construction_land(world, runtime):
    account = world.quota_accounts[2023]
    before = world_balance(runtime, account)
    pid = ready_to_approve(world)
    out = world.fire(pid, "approve")
    # 6000 farmland + 2000 other agricultural + 500 unused; the 1500 m² construction land is not
    # new construction land.
    assert world_balance(runtime, account) == before - Decimal("8500.00")
    deduct = [p for p in out["postings"] if p["ledger"] == "quota"]
    assert deduct == [{"ledger": "quota", "account_id": account, "entry": "deduct",
                       "amount_m2": "-8500.00", "balance_after_m2": str(before - 8500),
                       "reference": f"渝府地〔2023〕{1000 + pid}号", "land_ticket_id": None}]


def world_balance(runtime, account_id: int) -> Decimal:
    with runtime.reader() as uow:
        return uow.session.get(QuotaAccount, account_id).balance_m2


def test_quota_insufficient_refuses_and_names_required_and_available(runtime):
    world = World(runtime, ledgers=False)
    small = world.quota_account(2023, "5000.00")["id"]
    world.credit("100000", "50000", grade=2)
    pid = ready_to_approve(world)
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "approve", quota_account_id=small)
    v = err.value.violations[0]
    assert v.rule == "QUOTA_INSUFFICIENT"
    assert v.details["required_m2"] == "8500.00" and v.details["available_m2"] == "5000.00"
    assert world_balance(runtime, small) == Decimal("5000.00")


def test_with_no_account_for_the_year_the_quota_is_insufficient(runtime):
    world = World(runtime, ledgers=False)
    world.credit("100000", "50000", grade=2)
    pid = ready_to_approve(world)
    assert refused(world, pid, "approve") == {"QUOTA_INSUFFICIENT"}


def test_an_account_of_another_year_is_invalid(world):
    pid = ready_to_approve(world)
    assert refused(world, pid, "approve", quota_account_id=world.quota_accounts[2024]) == {
        "QUOTA_ACCOUNT_INVALID"}
    assert refused(world, pid, "approve", quota_account_id=999999) == {"QUOTA_ACCOUNT_INVALID"}


def test_construction_land_only_needs_no_quota(runtime):
    world = World(runtime, ledgers=False)
    pid = ready_to_approve(world, ownership="state", land={
        "farmland_m2": "0", "paddy_m2": "0", "farmland_grade": None,
        "other_agricultural_m2": "0", "unused_m2": "0", "construction_m2": "3000"})
    world.fire(pid, "approve")
    assert world.state_of(pid) == "approved"


def test_farmland_must_be_balanced_by_credits(runtime):
    world = World(runtime, ledgers=False)
    world.quota_account(2023, "100000")
    pid = ready_to_approve(world)
    assert refused(world, pid, "approve") == {"FARMLAND_BALANCE_UNMET"}
    world.credit("5999.99", "1000", grade=5)
    assert refused(world, pid, "approve") == {"FARMLAND_BALANCE_UNMET"}  # 0.01 m² short
    world.credit("0.01", "0", grade=5)
    world.fire(pid, "approve")
    assert world.state_of(pid) == "approved"


def test_paddy_must_be_compensated_by_paddy(runtime):
    world = World(runtime, ledgers=False)
    world.quota_account(2023, "100000")
    world.credit("20000", "999", grade=5)  # plenty of area, one square metre of paddy short
    pid = ready_to_approve(world)
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "approve")
    v = err.value.violations[0]
    assert v.rule == "FARMLAND_BALANCE_UNMET"
    assert v.details["required_paddy_m2"] == "1000.00"
    assert v.details["available_paddy_m2"] == "999.00"


def test_credits_of_worse_quality_do_not_count(runtime):
    world = World(runtime, ledgers=False)
    world.quota_account(2023, "100000")
    worse = world.credit("20000", "5000", grade=6)["id"]  # occupied land is grade 5
    pid = ready_to_approve(world)
    assert refused(world, pid, "approve") == {"FARMLAND_BALANCE_UNMET"}
    assert refused(world, pid, "approve", farmland_credit_ids=[worse]) == {
        "FARMLAND_QUALITY_INSUFFICIENT", "FARMLAND_BALANCE_UNMET"}
    equal = world.credit("20000", "5000", grade=5)["id"]
    world.fire(pid, "approve", farmland_credit_ids=[equal])
    assert world.state_of(pid) == "approved"


def test_credits_must_be_accepted_before_the_approval(runtime):
    world = World(runtime, ledgers=False)
    world.quota_account(2023, "100000")
    late = world.credit("20000", "5000", grade=3, accepted_on="2023-03-02")["id"]
    pid = ready_to_approve(world)
    assert refused(world, pid, "approve") == {"FARMLAND_BALANCE_UNMET"}
    assert refused(world, pid, "approve", farmland_credit_ids=[late]) == {
        "FARMLAND_CREDIT_NOT_ACCEPTED", "FARMLAND_BALANCE_UNMET"}
    on_the_day = world.credit("20000", "5000", grade=3, accepted_on="2023-03-01")["id"]
    world.fire(pid, "approve", farmland_credit_ids=[on_the_day])
    assert world.state_of(pid) == "approved"


def test_an_unknown_named_credit_is_invalid(world):
    pid = ready_to_approve(world)
    assert refused(world, pid, "approve", farmland_credit_ids=[987654]) >= {
        "FARMLAND_CREDIT_INVALID"}


def test_pairing_consumes_credits_partially_and_a_lapse_unwinds_it(runtime):
    world = World(runtime, ledgers=False)
    account = world.quota_account(2023, "100000")["id"]
    a = world.credit("4000", "600", grade=4)["id"]
    b = world.credit("4000", "600", grade=5)["id"]
    pid = ready_to_approve(world)
    out = world.fire(pid, "approve")
    pairs = {p["credit_id"]: p for p in out["postings"] if p["ledger"] == "farmland"}
    # Worse acceptable grade first: b (grade 5) fully, then the rest from a.
    assert set(pairs) == {a, b}
    total = sum(Decimal(p["amount_m2"]) for p in pairs.values())
    paddy = sum(Decimal(p["paddy_m2"]) for p in pairs.values())
    assert total == Decimal("6000.00") and paddy == Decimal("1000.00")
    with runtime.reader() as uow:
        rem = {c.id: (c.remaining_area_m2, c.remaining_paddy_m2)
               for c in uow.session.execute(select(FarmlandCredit)).scalars()}
    assert rem[a][0] + rem[b][0] == Decimal("2000.00")
    assert rem[a][1] + rem[b][1] == Decimal("200.00")
    world.fire(pid, "lapse")
    with runtime.reader() as uow:
        after = {c.id: (c.remaining_area_m2, c.remaining_paddy_m2)
                 for c in uow.session.execute(select(FarmlandCredit)).scalars()}
        entries = uow.session.execute(select(QuotaEntry.kind, QuotaEntry.amount_m2)
                                      .where(QuotaEntry.account_id == account)
                                      .order_by(QuotaEntry.id)).all()
    assert after == {a: (Decimal("4000.00"), Decimal("600.00")),
                     b: (Decimal("4000.00"), Decimal("600.00"))}
    assert [k for k, _ in entries] == ["allocate", "deduct", "release"]
    assert world_balance(runtime, account) == Decimal("100000.00")


def test_a_land_ticket_covers_quota_and_farmland(runtime):
    from workflow.ledgers import services as ledger_services
    from workflow.ledgers.schemas import LandTicketSchema
    from workflow.payloads.fields import load

    world = World(runtime, ledgers=False)
    account = world.quota_account(2023, "1000")["id"]  # far too little on its own
    ticket = ledger_services.create_land_ticket(
        runtime.uow(), world.actors["admin"], load(LandTicketSchema, {
            "ticket_no": "渝地票〔2022〕0101", "area_m2": "10000", "cultivated_m2": "8000",
            "paddy_m2": "2000", "grade": 4, "acceptance_ref": "渝规资复垦验〔2022〕12号",
            "accepted_on": "2022-09-01", "trade_price_yuan": "3000000",
            "reclamation_cost_yuan": "400000", "buyer": "石柱县土地储备中心",
            "traded_on": "2022-10-15"}))
    assert ticket["farmer_share_yuan"] == "2210000.00"  # 85% of 2,600,000 net
    assert ticket["collective_share_yuan"] == "390000.00"
    pid = ready_to_approve(world)
    out = world.fire(pid, "approve", land_ticket_ids=[ticket["id"]])
    kinds = [(p["entry"], p["amount_m2"]) for p in out["postings"] if p["ledger"] == "quota"]
    assert kinds == [("land_ticket", "8500.00"), ("deduct", "-8500.00")]
    assert world_balance(runtime, account) == Decimal("1000.00")
    with runtime.reader() as uow:
        credit = uow.session.execute(select(FarmlandCredit).where(
            FarmlandCredit.source == "land_ticket")).scalar_one()
        # 8500 of 10000 m² redeemed: 85% of the ticket's 8000 m² cultivated, 2000 m² paddy.
        assert credit.area_m2 == Decimal("6800.00") and credit.paddy_m2 == Decimal("1700.00")
        assert credit.remaining_area_m2 == Decimal("800.00")
        assert credit.remaining_paddy_m2 == Decimal("700.00")


def test_an_unusable_land_ticket_is_refused(world):
    pid = ready_to_approve(world)
    assert refused(world, pid, "approve", land_ticket_ids=[424242]) == {
        "LAND_TICKET_UNAVAILABLE"}


# --- 批 approve: expropriation procedure and authority --------------------------------------


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
    world.pre_approval_records(pid, skip=("pre_announcement", "plan_announcement"))
    world.record(pid, "pre_announcement", "2022-12-01")
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
    world.pre_approval_records(pid, skip=("plan_announcement",))
    world.record(pid, "plan_announcement", "2023-01-31")  # approval on 2023-03-01: 29 days
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
    world.fire(pid, "plan", major_project={"category": "water", "name": "藤子沟水库",
                                           "approval_ref": "国函〔2021〕1号"})
    world.pre_approval_records(pid)
    assert refused(world, pid, "approve") == {"APPROVAL_AUTHORITY_INSUFFICIENT"}


def test_other_land_over_70_ha_needs_the_state_council_and_parcels_of_one_approval_add_up(
        world):
    land = {"farmland_m2": "0", "paddy_m2": "0", "farmland_grade": None,
            "other_agricultural_m2": "400000", "unused_m2": "0", "construction_m2": "0"}
    a = ready_to_approve(world, ownership="state", land=land)
    world.fire(a, "approve", approval_no="渝府地〔2023〕500号")
    b = ready_to_approve(world, ownership="state", land=land)
    # 40 ha alone would be Chongqing's; with the first parcel of the same approval, 80 ha.
    assert refused(world, b, "approve", approval_no="渝府地〔2023〕500号") == {
        "APPROVAL_AUTHORITY_INSUFFICIENT"}
    world.fire(b, "approve", approval_no="渝府地〔2023〕501号")
    assert world.state_of(b) == "approved"


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


# --- 征 expropriate ---------------------------------------------------------------------------


def test_only_collective_land_is_expropriated(world):
    pid = world.parcel_in("approved", ownership="state")
    assert refused(world, pid, "expropriate") == {"EXPROPRIATION_NOT_APPLICABLE"}


def test_the_announcement_is_within_15_working_days_of_approval(world):
    pid = world.parcel_in("approved")  # approved Wednesday 2023-03-01
    late = {"effective_date": "2023-03-24"}
    assert refused(world, pid, "expropriate", announced_on="2023-03-23", **late) == {
        "EXPROPRIATION_ANNOUNCEMENT_LATE"}
    assert refused(world, pid, "expropriate", announced_on="2023-02-28", **late) == {
        "EXPROPRIATION_ANNOUNCEMENT_LATE"}
    assert refused(world, pid, "expropriate", announced_on="2023-03-21",
                   effective_date="2023-03-20") == {"EXPROPRIATION_ANNOUNCEMENT_LATE"}
    world.fire(pid, "expropriate", announced_on="2023-03-22", **late)  # the 15th working day
    assert world.state_of(pid) == "expropriated"


def test_compensation_must_be_paid(world):
    pid = world.parcel_in("approved")
    assert refused(world, pid, "expropriate", compensation_paid=False) == {
        "COMPENSATION_UNPAID"}


def test_an_approval_lapses_after_two_full_years(world):
    pid = world.parcel_in("approved")  # 2023-03-01
    assert refused(world, pid, "expropriate", effective_date="2025-03-01",
                   announced_on="2023-03-10") == {"APPROVAL_LAPSED"}
    world.fire(pid, "expropriate", effective_date="2025-02-28")
    assert world.state_of(pid) == "expropriated"


# --- 供 supply ----------------------------------------------------------------------------------


def test_collective_land_is_supplied_only_after_expropriation(world):
    pid = world.parcel_in("approved")
    assert refused(world, pid, "supply") == {"EXPROPRIATION_REQUIRED"}


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


def test_land_without_planning_conditions_is_not_supplied(world, runtime):
    pid = world.parcel_in("expropriated")
    runtime.test_connection.execute(
        text("UPDATE parcels SET planning_conditions = NULL WHERE id = :id"), {"id": pid})
    assert refused(world, pid, "supply") == {"PLANNING_CONDITIONS_MISSING"}


@pytest.mark.parametrize(("use", "method", "users", "ok"), [
    ("industrial", "agreement", 1, False),
    ("industrial", "listing", 1, True),
    ("commodity_housing", "lease", 1, False),
    ("commercial", "auction", 1, True),
    ("public_service", "allocation", 1, True),
    ("public_service", "agreement", 2, False),
    ("public_service", "tender", 2, True),
    ("commercial", "allocation", 1, False),
    ("education", "allocation", 1, True),
    ("residential", "allocation", 1, False),
    ("residential", "agreement", 1, True),
])
def test_supply_method(world, use, method, users, ok):
    pid = world.parcel_in("surveyed")
    world.fire(pid, "plan", planned_use=use)
    world.pre_approval_records(pid)
    world.fire(pid, "approve")
    world.fire(pid, "expropriate")
    term = None if method == "allocation" else 40
    if ok:
        world.fire(pid, "supply", method=method, intending_users=users, term_years=term)
        assert world.state_of(pid) == "supplied"
    else:
        assert refused(world, pid, "supply", method=method, intending_users=users,
                       term_years=term) == {"SUPPLY_METHOD_NOT_ALLOWED"}


@pytest.mark.parametrize(("use", "term", "ok"), [
    ("commercial", 40, True), ("commercial", 41, False), ("tourism", 41, False),
    ("commodity_housing", 70, True), ("commodity_housing", 71, False),
    ("industrial", 50, True), ("industrial", 51, False), ("education", 51, False),
    ("other", 50, True), ("other", 51, False),
])
def test_maximum_grant_terms(world, use, term, ok):
    pid = world.parcel_in("surveyed")
    world.fire(pid, "plan", planned_use=use)
    world.pre_approval_records(pid)
    world.fire(pid, "approve")
    world.fire(pid, "expropriate")
    if ok:
        world.fire(pid, "supply", term_years=term)
    else:
        assert refused(world, pid, "supply", term_years=term) == {"TERM_EXCEEDS_MAXIMUM"}


def test_paid_use_needs_a_term(world):
    pid = world.parcel_in("expropriated")
    assert refused(world, pid, "supply", term_years=None) == {"TERM_REQUIRED"}


def test_contract_dates_must_be_ordered(world):
    pid = world.parcel_in("expropriated")
    assert refused(world, pid, "supply", agreed_start_date="2023-05-01") == {
        "CONTRACT_DATES_INVALID"}
    assert refused(world, pid, "supply", agreed_completion_date="2023-08-01") == {
        "CONTRACT_DATES_INVALID"}
    assert refused(world, pid, "supply", signed_on="2023-05-07") == {"CONTRACT_DATES_INVALID"}


def test_supplied_area_is_not_larger_than_approved(world):
    pid = world.parcel_in("expropriated")
    assert refused(world, pid, "supply", area_m2="10000.01") == {"AREA_EXCEEDS_APPROVED"}
    world.fire(pid, "supply", area_m2="10000.00")


# --- lapse ------------------------------------------------------------------------------------


def test_lapse_only_after_two_full_years_and_never_after_expropriation(world):
    pid = world.parcel_in("approved")  # 2023-03-01
    assert refused(world, pid, "lapse", effective_date="2025-02-28") == {"APPROVAL_NOT_EXPIRED"}
    world.fire(pid, "lapse", effective_date="2025-03-01")
    assert world.state_of(pid) == "lapsed"
    done = world.parcel_in("expropriated")
    assert refused(world, done, "lapse") == {"APPROVAL_ALREADY_IMPLEMENTED"}


# --- 验 inspect and 登 register ----------------------------------------------------------------


def test_approved_small_occupied_large_is_refused(world):
    pid = world.parcel_in("under_construction")
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "inspect", actual_area_m2="10250.00")
    v = err.value.violations[0]
    assert v.rule == "AREA_EXCEEDS_APPROVED" and v.details["excess_m2"] == "250.00"
    world.fire(pid, "inspect", actual_area_m2="10000.00")


def test_built_outside_the_approved_boundary_and_unverified_planning_are_refused(world):
    pid = world.parcel_in("under_construction")
    assert refused(world, pid, "inspect", within_approved_boundary=False,
                   planning_verified=False) == {"OUTSIDE_APPROVED_BOUNDARY",
                                                "PLANNING_VERIFICATION_FAILED"}


def test_registration_needs_the_land_price_paid_in_full(world):
    pid = world.parcel_in("inspected")
    assert refused(world, pid, "register") == {"PAYMENT_OUTSTANDING"}
    world.record(pid, "payment", "2023-06-01", amount_yuan="2500000.00")
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "register")
    assert err.value.violations[0].details["paid_yuan"] == "2500000.00"
    world.record(pid, "payment", "2024-05-01", amount_yuan="2500000.00")
    world.fire(pid, "register")
    assert world.state_of(pid) == "registered"


def test_registration_needs_any_idle_fee_paid(world, runtime):
    pid = world.parcel_in("inspected")
    world.record(pid, "payment", "2023-06-01", amount_yuan="5000000.00")
    runtime.test_connection.execute(
        text("UPDATE parcels SET idle_fee_yuan = :fee WHERE id = :id"),
        {"fee": 100000000 if world_backend(runtime) == "sqlite" else Decimal("1000000.00"),
         "id": pid})
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "register")
    assert err.value.violations[0].details["what_en"] == "Idle-land fee"
    world.record(pid, "payment", "2024-01-05", amount_yuan="1000000.00", purpose="idle_fee")
    world.fire(pid, "register")


def world_backend(runtime) -> str:
    return runtime.engine.dialect.name


# --- dry run ----------------------------------------------------------------------------------


def test_a_dry_run_shows_the_postings_and_balances_and_books_nothing(world, runtime):
    pid = ready_to_approve(world)
    before = snapshot(runtime)
    out = world.fire(pid, "approve", dry_run=True)
    assert out["dry_run"] is True
    quota = [p for p in out["postings"] if p["ledger"] == "quota"]
    farmland = [p for p in out["postings"] if p["ledger"] == "farmland"]
    assert quota[0]["balance_after_m2"] == "9991500.00"
    assert farmland and farmland[0]["remaining_after_m2"] == "994000.00"
    assert snapshot(runtime) == before
