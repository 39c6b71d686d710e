"""Issue 12, item 11: the smaller defects of the second legal review, each named for its rule."""

from __future__ import annotations

import pytest

from tests.factories import World
from tests.integration.rules.helpers import ready_to_approve
from workflow import queries


@pytest.fixture
def world(runtime):
    return World(runtime)


def test_a_step_lists_each_legal_clock_it_opens_once(world):
    """国发〔2004〕28号 第十九条 (the approval's two-year clock) and 土地管理法实施条例 第三十一条
    (the announcement clock): the approval's answer lists each clock it opened once, exactly as
    the parcel read afterwards does."""
    pid = ready_to_approve(world)
    out = world.fire(pid, "approve")
    ids = [d["id"] for d in out["parcel"]["deadlines"]]
    assert len(ids) == len(set(ids)), out["parcel"]["deadlines"]
    read = queries.read_parcel(world.runtime.reader(), world.actors["auditor"], pid)
    assert out["parcel"]["deadlines"] == read["deadlines"]
    assert sorted(d["kind"] for d in read["deadlines"]) == [
        "approval_lapse", "expropriation_announcement"]


def test_a_record_lists_the_clock_it_opens_once(world):
    """重庆市土地房屋权属登记条例 第二十五条: the registration clock opened by an accepted
    application appears once in the record's answer."""
    pid = world.parcel_in("inspected")
    out = world.record(pid, "registration_accepted", "2025-09-26")
    ids = [d["id"] for d in out["parcel"]["deadlines"]]
    assert len(ids) == len(set(ids)), out["parcel"]["deadlines"]
    read = queries.read_parcel(world.runtime.reader(), world.actors["auditor"], pid)
    assert out["parcel"]["deadlines"] == read["deadlines"]


def test_a_quota_account_without_a_date_is_allocated_on_the_first_day_of_its_plan_year(runtime):
    """土地管理法 第二十三条; 土地利用年度计划管理办法 第二条: the annual plan allocates the year's
    new-construction-land quota for that calendar year. An account created without
    ``effective_date`` books its allocation on 1 January of its plan year (or today, for a
    year still to come), so that as-of balances of backdated approvals in the year see it."""
    from datetime import date

    from sqlalchemy import select

    from workflow.models import QuotaEntry
    from workflow.reports.charts import quota_use_series

    world = World(runtime, ledgers=False)
    past = world.quota_account(2023, "50000")["id"]
    coming = world.quota_account(2027, "50000")["id"]
    dated = world.quota_account(2024, "50000", effective_date="2024-03-15")["id"]
    with runtime.reader() as uow:
        on = dict(uow.session.execute(select(QuotaEntry.account_id, QuotaEntry.effective_date)
                                      .where(QuotaEntry.kind == "allocate")).all())
    assert on[past] == date(2023, 1, 1)
    assert on[coming] == date(2026, 6, 30)  # today in tests: 1 January 2027 has not come
    assert on[dated] == date(2024, 3, 15)
    series = quota_use_series(runtime.reader(), world.actors["auditor"], as_of=date(2023, 3, 1))
    assert series["allocated_m2"] == "50000.00"


def _supplied_as(world: World, planned_use: str) -> int:
    pid = world.parcel_in("surveyed")
    world.fire(pid, "plan", planned_use=planned_use)
    world.pre_approval_records(pid)
    for name in ("approve", "expropriate", "supply"):
        world.fire(pid, name)
    return pid


def _clock(runtime, pid: int, kind: str):
    from types import SimpleNamespace

    from sqlalchemy import select

    from workflow.models import Deadline

    with runtime.reader() as uow:
        d = uow.session.execute(select(Deadline).where(
            Deadline.parcel_id == pid, Deadline.kind == kind)).scalar_one()
        return SimpleNamespace(due_on=d.due_on, basis=d.basis, amount_yuan=d.amount_yuan,
                               closed_on=d.closed_on)


def test_the_34号_payment_deadlines_govern_real_estate_land_and_not_industrial_land(world,
                                                                                     runtime):
    """国土资发〔2010〕34号 (关于加强房地产用地供应和监管有关问题的通知) sets 50% within one month
    of signing for 房地产用地; industrial land is outside it and owes the price within the 60 days
    of 城镇国有土地使用权出让和转让暂行条例 第十四条, in instalments as 财综〔2009〕74号 allows (a
    first instalment of at least 50%, the whole within one year). Contract signed 2023-05-06."""
    housing = _supplied_as(world, "commodity_housing")
    down = _clock(runtime, housing, "payment_down")
    assert down.due_on.isoformat() == "2023-06-06" and "34号" in down.basis
    assert str(down.amount_yuan) == "2500000.00"
    works = _supplied_as(world, "industrial")
    down = _clock(runtime, works, "payment_down")
    assert down.due_on.isoformat() == "2023-07-05"  # 6 May + 60 days
    assert "34号" not in down.basis and "第十四条" in down.basis
    assert str(down.amount_yuan) == "2500000.00"
    balance = _clock(runtime, works, "payment_balance")
    assert balance.due_on.isoformat() == "2024-05-06" and "34号" not in balance.basis


def test_resuming_user_cause_idle_land_waits_for_the_fee_unless_the_county_decides_otherwise(
        world, runtime, monkeypatch, tmp_path):
    """闲置土地处置办法 第十四条第(一)项, 第十七条, 第十八条: the idle case of a user's delay is
    disposed of by the fee decision, paid within 30 days of service and otherwise enforced by a
    court. By default the parcel leaves ``idle`` (``resume``) once the fee is paid; a county that
    lets development resume first sets ``idle.resume_requires_fee_paid`` to false, and the
    fee's own clock keeps running (and first registration still waits for it)."""
    import json

    from tests.integration.rules.helpers import refused
    from workflow import law

    pid = world.parcel_in("expropriated")
    world.fire(pid, "supply")
    world.fire(pid, "hand_over")
    world.fire(pid, "declare_idle", effective_date="2024-08-15")
    assert refused(world, pid, "resume", effective_date="2024-10-01") == {
        "IDLE_DISPOSAL_UNSETTLED"}
    overrides = tmp_path / "law.json"
    overrides.write_text(json.dumps({"idle.resume_requires_fee_paid": False}))
    monkeypatch.setenv("LANDFLOW_LAW_OVERRIDES", str(overrides))
    law.reset_overrides()
    try:
        world.fire(pid, "resume", effective_date="2024-10-01")
    finally:
        monkeypatch.delenv("LANDFLOW_LAW_OVERRIDES")
        law.reset_overrides()
    assert world.state_of(pid) == "under_construction"
    fee = _clock(runtime, pid, "idle_fee_payment")
    assert fee.closed_on is None and str(fee.amount_yuan) == "1000000.00"
