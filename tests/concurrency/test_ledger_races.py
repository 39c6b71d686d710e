"""Ledger races on PostgreSQL: row locks keep the quota and the farmland credits exact."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.concurrency.test_same_transition_race import race
from tests.factories import World
from workflow.ledgers.queries import ledger_invariants

pytestmark = pytest.mark.postgres_only


def test_forty_approvals_from_eight_threads_against_quota_for_exactly_fifteen(committed_runtime):
    world = World(committed_runtime, ledgers=False)
    account = world.quota_account(2023, str(Decimal("8500.00") * 15))["id"]
    world.credit("1000000", "500000", grade=1)
    parcels = []
    for _ in range(40):
        pid = world.parcel_in("planned", ownership="state")
        parcels.append(pid)
    queue = list(parcels)

    def worker(i):
        done = []
        while True:
            try:
                pid = queue.pop()
            except IndexError:
                return done
            try:
                world.fire(pid, "approve", quota_account_id=account)
                done.append(("ok", pid))
            except Exception as err:  # noqa: BLE001 - collected and asserted below
                done.append(("refused", getattr(err, "codes", repr(err))))

    results = race(8, worker)
    assert all(r[0] == "ok" for r in results), results  # no thread crashed
    outcomes = [o for r in results for o in r[1]]
    approved = [o for o in outcomes if o[0] == "ok"]
    refusals = [o for o in outcomes if o[0] == "refused"]
    assert len(approved) == 15 and len(refusals) == 25, outcomes
    assert all(o[1] == {"QUOTA_INSUFFICIENT"} for o in refusals), refusals
    inv = ledger_invariants(committed_runtime.reader())
    balance, total = inv["accounts"][account]
    assert balance == total == Decimal("0.00")
    assert sorted(world.state_of(p) for p in parcels).count("approved") == 15


def test_two_approvals_racing_for_one_farmland_credit(committed_runtime):
    world = World(committed_runtime, ledgers=False)
    # Separate quota accounts, so that only the credit's row lock stands between them.
    general = world.quota_account(2023, "1000000")["id"]
    reserve = world.quota_account(2023, "1000000", category="reserve")["id"]
    for _ in range(5):
        credit = world.credit("6000", "1000", grade=5)["id"]  # exactly one parcel's farmland
        a = world.parcel_in("planned", ownership="state")
        b = world.parcel_in("planned", ownership="state")
        pairs = [(a, general), (b, reserve)]
        results = race(2, lambda i, pairs=pairs: world.fire(pairs[i][0], "approve",
                                                            quota_account_id=pairs[i][1]))
        kinds = sorted(r[0] for r in results)
        assert kinds == ["ok", "refused"], results
        assert [r[1] for r in results if r[0] == "refused"] == ["RULE_VIOLATION"]
        inv = ledger_invariants(committed_runtime.reader())
        area, remaining, open_pairs = inv["credits"][credit]
        assert remaining == Decimal("0.00") and open_pairs == area
