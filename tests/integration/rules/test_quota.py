"""批: the new-construction-land quota and land tickets; a dry run books nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.factories import World
from tests.integration.rules.helpers import ready_to_approve, refused, snapshot, world_balance
from workflow.errors import RuleViolation
from workflow.models import FarmlandCredit


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


def test_with_no_account_for_the_year_the_refusal_names_the_missing_account(runtime):
    """土地管理法 第二十三条: no year's account, no quota — and the message says which year's
    account is missing rather than "account None holds 0.00"."""
    world = World(runtime, ledgers=False)
    world.credit("100000", "50000", grade=2)
    pid = ready_to_approve(world)
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "approve")
    [v] = err.value.violations
    assert v.rule == "QUOTA_ACCOUNT_MISSING" and v.details["year"] == 2023
    zh, en = v.messages
    assert "2023年无用地计划指标账户" in zh and "None" not in zh
    assert "no quota account for 2023" in en.lower()


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
