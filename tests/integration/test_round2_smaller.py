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
