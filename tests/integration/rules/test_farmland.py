"""批: the farmland occupation–compensation balance (耕地占补平衡)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.factories import World
from tests.integration.rules.helpers import ready_to_approve, refused, world_balance
from workflow.errors import RuleViolation
from workflow.models import FarmlandCredit, QuotaEntry


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
