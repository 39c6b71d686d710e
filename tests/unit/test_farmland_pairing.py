"""The pairing arithmetic (no database)."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from workflow.ledgers.pairing import Available, plan_pairing


def test_paddy_is_taken_as_paddy_first_and_dry_land_for_the_rest():
    pool = [Available("dry", D("5000"), D("0"), 5), Available("wet", D("3000"), D("2000"), 4)]
    plan = plan_pairing(D("6000"), D("1000"), pool)
    takes = {t.key: (t.area_m2, t.paddy_m2) for t in plan.takes}
    assert takes == {"wet": (D("1000"), D("1000")), "dry": (D("5000"), D("0"))}
    assert plan.covers(D("6000"), D("1000"))


def test_dry_area_of_a_paddy_credit_is_used_before_its_paddy():
    pool = [Available("mixed", D("3000"), D("1000"), 4)]
    plan = plan_pairing(D("2000"), D("0"), pool)
    assert [(t.area_m2, t.paddy_m2) for t in plan.takes] == [(D("2000"), D("0"))]


def test_a_short_pool_does_not_cover():
    plan = plan_pairing(D("100"), D("50"), [Available(1, D("100"), D("49"), 3)])
    assert not plan.covers(D("100"), D("50"))


amounts = st.integers(0, 10000).map(D)


@given(need=amounts, need_paddy_pct=st.integers(0, 100),
       pool=st.lists(st.tuples(amounts, st.integers(0, 100)), max_size=6))
def test_a_plan_never_takes_more_than_a_credit_has(need, need_paddy_pct, pool):
    need_paddy = (need * need_paddy_pct / 100).quantize(D("1"))
    credits = [Available(i, a, (a * p / 100).quantize(D("1")), 5)
               for i, (a, p) in enumerate(pool)]
    plan = plan_pairing(need, need_paddy, credits)
    by_key = {c.key: c for c in credits}
    for t in plan.takes:
        c = by_key[t.key]
        assert D(0) <= t.paddy_m2 <= t.area_m2 <= c.area_m2 and t.paddy_m2 <= c.paddy_m2
        # what remains keeps paddy within area
        assert c.paddy_m2 - t.paddy_m2 <= c.area_m2 - t.area_m2
    total = sum((c.area_m2 for c in credits), D(0))
    total_paddy = sum((c.paddy_m2 for c in credits), D(0))
    if total >= need and total_paddy >= need_paddy:
        assert plan.covers(need, need_paddy)
    assert plan.paired_area_m2 <= max(need, D(0)) + 0
