"""A release unwinds each posting to the source it came from: the annual quota account gets back
what it gave, a land ticket (地票) gets back what it gave, and the farmland credit the ticket's
reclaimed cultivated land became goes back into the ticket. Ticket area never becomes annual
plan quota (土地管理法 第二十三条; 土地利用年度计划管理办法 第二条; 重庆市地票管理办法;
RULES §11)."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.factories import World
from tests.integration.rules.helpers import ready_to_approve
from workflow.errors import LandflowError
from workflow.ledgers import services as ledger_services
from workflow.ledgers.queries import ledger_invariants
from workflow.ledgers.schemas import LandTicketSchema
from workflow.models import FarmlandCredit, LandTicket, QuotaAccount, QuotaEntry
from workflow.payloads.fields import load

TEN_THOUSAND = {"farmland_m2": "6000.00", "paddy_m2": "1000.00", "farmland_grade": 5,
                "other_agricultural_m2": "3500.00", "unused_m2": "500.00",
                "construction_m2": "1500.00"}


def make_ticket(world: World, no: str, area: str, cultivated: str, paddy: str = "0",
                grade: int = 3) -> int:
    ticket = ledger_services.create_land_ticket(
        world.runtime.uow(), world.actors["admin"], load(LandTicketSchema, {
            "ticket_no": no, "area_m2": area, "cultivated_m2": cultivated, "paddy_m2": paddy,
            "grade": grade, "acceptance_ref": "渝规资复垦验〔2022〕12号",
            "accepted_on": "2022-09-01", "trade_price_yuan": "1000000",
            "reclamation_cost_yuan": "100000", "buyer": "石柱县土地储备中心",
            "traded_on": "2022-10-15"}))
    return int(ticket["id"])


def sources(runtime) -> dict[str, dict[int, Decimal]]:
    """Every source an approval can draw on, with what it holds now."""
    with runtime.reader() as uow:
        s = uow.session
        return {
            "accounts": dict(s.execute(select(QuotaAccount.id, QuotaAccount.balance_m2)).all()),
            "tickets": dict(s.execute(select(LandTicket.id, LandTicket.remaining_m2)).all()),
            "credits": dict(s.execute(select(FarmlandCredit.id,
                                             FarmlandCredit.remaining_area_m2)).all()),
            "paddy": dict(s.execute(select(FarmlandCredit.id,
                                           FarmlandCredit.remaining_paddy_m2)).all()),
        }


def same_as_before(before: dict, after: dict) -> None:
    """A credit created by an approval (a redeemed ticket's cultivated land) held nothing before
    it: after the release it must hold nothing again."""
    assert after["accounts"] == before["accounts"]
    assert after["tickets"] == before["tickets"]
    for key in ("credits", "paddy"):
        assert {c: after[key][c] for c in before[key]} == before[key]
        assert all(after[key][c] == 0 for c in set(after[key]) - set(before[key])), after[key]


def check_invariants(runtime) -> None:
    inv = ledger_invariants(runtime.reader())
    for balance, total in inv["accounts"].values():
        assert balance == total and balance >= 0
    for area, remaining, open_pairs in inv["credits"].values():
        assert Decimal(0) <= remaining <= area
        assert remaining == area - open_pairs
    for area, remaining, cultivated, credited in inv["tickets"].values():
        assert Decimal(0) <= remaining <= area
        assert credited <= cultivated


def test_a_lapse_gives_land_ticket_area_back_to_the_ticket_not_to_the_annual_quota(runtime):
    """土地管理法 第二十三条 and 土地利用年度计划管理办法 第二条: the annual plan is the state's
    allocation of new construction land; a 地票 is an indicator from reclaimed rural land
    (重庆市地票管理办法 第二条). An account of 4,000 m² and a 6,000 m² ticket fund one approval of
    10,000 m²; when it lapses the account holds its 4,000 m² again and the ticket its 6,000 m²."""
    world = World(runtime, ledgers=False)
    account = world.quota_account(2023, "4000")["id"]
    plain = world.credit("3000", "0", grade=4)["id"]
    ticket = make_ticket(world, "渝地票〔2022〕0201", "6000", "4000", "1000")
    before = sources(runtime)
    pid = ready_to_approve(world, land=TEN_THOUSAND)
    world.fire(pid, "approve", quota_account_id=account, land_ticket_ids=[ticket])
    during = sources(runtime)
    assert during["accounts"][account] == Decimal("0.00")
    assert during["tickets"][ticket] == Decimal("0.00")
    out = world.fire(pid, "lapse")
    after = sources(runtime)
    assert after["accounts"][account] == Decimal("4000.00")
    assert after["tickets"][ticket] == Decimal("6000.00")
    assert after["credits"][plain] == Decimal("3000.00")
    same_as_before(before, after)
    check_invariants(runtime)
    quota = [(p["entry"], p["amount_m2"], p["land_ticket_id"]) for p in out["postings"]
             if p["ledger"] == "quota"]
    assert quota == [("release", "10000.00", None), ("release", "-6000.00", ticket)]
    with runtime.reader() as uow:
        returned = uow.session.execute(select(QuotaEntry).where(
            QuotaEntry.land_ticket_id == ticket, QuotaEntry.kind == "release")).scalar_one()
        assert returned.reverses_entry_id is not None


def test_a_returned_land_ticket_can_fund_a_later_approval_once_and_only_once(runtime):
    """重庆市地票管理办法: a ticket's indicator and its reclaimed cultivated land are used once.
    After a lapse gives them back, a new approval may redeem them again, and the farmland credit
    it creates is no larger than the ticket's cultivated land."""
    world = World(runtime, ledgers=False)
    account = world.quota_account(2023, "4000")["id"]
    world.credit("3000", "0", grade=4)
    ticket = make_ticket(world, "渝地票〔2022〕0202", "6000", "4000", "1000")
    first = ready_to_approve(world, land=TEN_THOUSAND)
    world.fire(first, "approve", quota_account_id=account, land_ticket_ids=[ticket])
    world.fire(first, "lapse")
    second = ready_to_approve(world, land=TEN_THOUSAND)
    world.fire(second, "approve", quota_account_id=account, land_ticket_ids=[ticket])
    with runtime.reader() as uow:
        credited = uow.session.execute(select(func.sum(FarmlandCredit.area_m2)).where(
            FarmlandCredit.land_ticket_id == ticket)).scalar_one()
    assert credited == Decimal("4000.00")
    check_invariants(runtime)


def test_a_ticket_credit_paired_by_another_approval_goes_back_to_the_returned_ticket(runtime):
    """RULES §11; 重庆市地票管理办法: approval A redeems a 1 m² ticket (1 m² cultivated paddy)
    and occupies no farmland, so the ticket's credit stays unused; approval B then pairs that
    credit. A lapses first — the credit's area is B's, so it stays; when B lapses the area comes
    free and belongs to the ticket (returned by A's lapse), not to the credit. The credit holds
    nothing again (hypothesis seed 100155067746214153688344605007705830422 on PostgreSQL)."""
    world = World(runtime, ledgers=False)
    account = world.quota_account(2023, "691")["id"]
    plain = world.credit("690", "172", grade=4)["id"]
    ticket = make_ticket(world, "渝地票〔2022〕0401", "1", "1", "1", grade=2)
    before = sources(runtime)
    a = ready_to_approve(world, ownership="state", land={
        "farmland_m2": "0", "paddy_m2": "0", "farmland_grade": None,
        "other_agricultural_m2": "1", "unused_m2": "0", "construction_m2": "0"})
    world.fire(a, "approve", quota_account_id=account, land_ticket_ids=[ticket])
    b = ready_to_approve(world, ownership="state", land={
        "farmland_m2": "691", "paddy_m2": "0", "farmland_grade": 5,
        "other_agricultural_m2": "0", "unused_m2": "0", "construction_m2": "0"})
    out = world.fire(b, "approve", quota_account_id=account, land_ticket_ids=[])
    credit = next(p["credit_id"] for p in out["postings"]
                  if p["ledger"] == "farmland" and p["credit_id"] != plain)
    world.fire(a, "lapse")
    check_invariants(runtime)
    out = world.fire(b, "lapse")
    check_invariants(runtime)
    after = sources(runtime)
    assert after["credits"][credit] == Decimal("0.00")
    assert after["paddy"][credit] == Decimal("0.00")
    assert after["tickets"][ticket] == Decimal("1.00")
    assert ("return_to_ticket", "1.00", "1.00", ticket) in [
        (p["entry"], p["amount_m2"], p["paddy_m2"], p.get("land_ticket_id"))
        for p in out["postings"] if p["ledger"] == "farmland"]
    same_as_before(before, after)


class _InOrder(random.Random):
    """Releases in approval order (for explicit examples)."""

    def shuffle(self, x) -> None:  # type: ignore[override]
        pass


areas = st.integers(min_value=0, max_value=12000).map(Decimal)
approvals = st.lists(st.tuples(
    areas,                      # farmland
    areas,                      # other agricultural land
    st.integers(0, 100),        # paddy share of the farmland, %
    st.sets(st.integers(0, 1)),  # which tickets it names
), min_size=1, max_size=3)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(allocated=st.integers(0, 15000), plain=st.integers(0, 8000),
       tickets=st.lists(st.tuples(st.integers(1, 12000), st.integers(0, 100),
                                  st.integers(0, 100)), min_size=2, max_size=2),
       sequence=approvals, order=st.randoms(use_true_random=False))
# A ticket's credit, unused by the approval that redeemed the ticket, is paired by a later one;
# the redeeming approval lapses first (the PostgreSQL failure of seed
# 100155067746214153688344605007705830422: the credit kept 1.00 m² after every release).
@example(allocated=77, plain=690, tickets=[(1, 100, 100), (5606, 0, 0)],
         sequence=[(Decimal(0), Decimal(1), 0, {0}), (Decimal(691), Decimal(0), 0, {1})],
         order=_InOrder(0))
def test_after_any_release_every_source_holds_what_it_held_before_the_approval(
        runtime, allocated, plain, tickets, sequence, order):
    """土地管理法 第二十三条; 土地利用年度计划管理办法 第二条; RULES §11: whatever approvals drew
    on an account, land tickets and farmland credits, releasing them all (in any order) leaves
    every source exactly as it was — the account, each ticket, each credit, to the fen."""
    savepoint = runtime.test_connection.begin_nested()
    try:
        world = World(runtime, ledgers=False)
        account = world.quota_account(2023, str(allocated))["id"]
        if plain:
            world.credit(str(plain), str(plain // 4), grade=4)
        ids = []
        for n, (area, cultivated_pct, paddy_pct) in enumerate(tickets):
            cultivated = Decimal(area * cultivated_pct // 100)
            ids.append(make_ticket(world, f"渝地票〔2022〕030{n}", str(area),
                                   str(cultivated),
                                   str(cultivated * paddy_pct // 100), grade=2 + n))
        before = sources(runtime)
        approved = []
        for farmland, other, paddy_pct, names in sequence:
            if farmland + other == 0:
                other = Decimal(1)
            land = {"farmland_m2": str(farmland),
                    "paddy_m2": str(farmland * paddy_pct // 100),
                    "farmland_grade": 5 if farmland else None,
                    "other_agricultural_m2": str(other), "unused_m2": "0",
                    "construction_m2": "0"}
            pid = ready_to_approve(world, ownership="state", land=land)
            try:
                world.fire(pid, "approve", quota_account_id=account,
                           land_ticket_ids=[ids[i] for i in sorted(names)])
                approved.append(pid)
            except LandflowError:
                pass  # a refusal is a legal outcome
            check_invariants(runtime)
        order.shuffle(approved)
        for pid in approved:
            world.fire(pid, "lapse")
            check_invariants(runtime)
        same_as_before(before, sources(runtime))
    finally:
        savepoint.rollback()
