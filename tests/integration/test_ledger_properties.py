"""Property: whatever sequence of approvals, rejections, lapses, transfers and allocations
happens, every quota balance equals the sum of its entries and is never negative, and every
credit's remaining area stays within [0, area] and equals its area minus open pairings."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import World
from workflow.errors import LandflowError
from workflow.ledgers import services as ledger_services
from workflow.ledgers.queries import ledger_invariants
from workflow.ledgers.schemas import AllocationSchema, TransferSchema
from workflow.payloads.fields import load

areas = st.integers(min_value=0, max_value=20000).map(lambda n: Decimal(n))
ops = st.lists(st.one_of(
    st.tuples(st.just("approve"), areas, areas, st.integers(0, 100), st.integers(0, 1)),
    st.tuples(st.just("reject")),
    st.tuples(st.just("lapse")),
    st.tuples(st.just("transfer"), st.integers(0, 1), st.integers(1, 30000)),
    st.tuples(st.just("allocate"), st.integers(0, 1), st.integers(1, 20000)),
), min_size=1, max_size=8)


def check(runtime):
    inv = ledger_invariants(runtime.reader())
    for balance, total in inv["accounts"].values():
        assert balance == total and balance >= 0
    for area, remaining, open_pairs in inv["credits"].values():
        assert Decimal(0) <= remaining <= area
        assert remaining == area - open_pairs


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=ops)
def test_ledgers_stay_exact_under_any_sequence(runtime, sequence):
    savepoint = runtime.test_connection.begin_nested()
    try:
        world = World(runtime, ledgers=False)
        accounts = [world.quota_account(2023, "30000")["id"],
                    world.quota_account(2023, "10000", category="reserve")["id"]]
        world.credit("15000", "3000", grade=4)
        world.credit("8000", "0", grade=6)
        approved: list[int] = []
        for op in sequence:
            try:
                if op[0] == "approve":
                    _, farmland, other, paddy_pct, which = op
                    paddy = (farmland * paddy_pct / 100).quantize(Decimal("1"))
                    if farmland + other == 0:
                        other = Decimal(1)
                    pid = world.parcel_in("planned", ownership="state", land={
                        "farmland_m2": str(farmland), "paddy_m2": str(paddy),
                        "farmland_grade": 5 if farmland else None,
                        "other_agricultural_m2": str(other), "unused_m2": "0",
                        "construction_m2": "0"})
                    world.fire(pid, "approve", quota_account_id=accounts[which])
                    approved.append(pid)
                elif op[0] == "reject":
                    pid = world.parcel_in("planned", ownership="state")
                    world.fire(pid, "reject")
                elif op[0] == "lapse" and approved:
                    world.fire(approved.pop(0), "lapse")
                elif op[0] == "transfer":
                    ledger_services.transfer_quota(runtime.uow(), world.actors["admin"], load(
                        TransferSchema, {"from_account_id": accounts[op[1]],
                                         "to_account_id": accounts[1 - op[1]],
                                         "amount_m2": str(op[2]), "document_no": "调剂"}))
                elif op[0] == "allocate":
                    ledger_services.allocate_quota(runtime.uow(), world.actors["admin"],
                                                   accounts[op[1]], load(AllocationSchema, {
                                                       "amount_m2": str(op[2]),
                                                       "document_no": "追加"}))
            except LandflowError:
                pass  # a refusal is a legal outcome; the invariants must hold either way
            check(runtime)
    finally:
        savepoint.rollback()
