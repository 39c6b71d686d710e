"""The auditor's answers "as of" a date are the answers of that date."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import World
from workflow.reports import queries as q


@pytest.fixture
def world(runtime):
    return World(runtime)


def idle(runtime, actor, on, **kw):
    return {i["parcel_id"]: i for i in q.idle_land(runtime.reader(), actor,
                                                     as_of=date.fromisoformat(on),
                                                     **kw)["items"]}


def unsupplied(runtime, actor, on, **kw):
    return {i["parcel_id"]: i["categories"] for i in q.unsupplied(
        runtime.reader(), actor, as_of=date.fromisoformat(on), **kw)["items"]}


def test_idle_land_as_of_several_dates_before_and_after_later_events(world, runtime):
    auditor = world.actors["auditor"]
    pid = world.parcel_in("in_use")  # agreed start 2023-08-01, never started
    assert pid not in idle(runtime, auditor, "2024-07-31")
    item = idle(runtime, auditor, "2024-08-01")[pid]
    assert item["fee_due_yuan"] == "1000000.00" and item["recovery_due"] is False
    assert item["determination"] == "suspected" and item["days_idle"] == 366
    world.fire(pid, "declare_idle", effective_date="2024-09-01", cause="government")
    # The later determination does not rewrite what was true before it was made.
    assert idle(runtime, auditor, "2024-08-15")[pid]["fee_due_yuan"] == "1000000.00"
    after = idle(runtime, auditor, "2024-09-01")[pid]
    assert after["cause"] == "government" and after["fee_due_yuan"] == "0.00"
    assert after["determination"] == "determined"
    assert idle(runtime, auditor, "2025-08-01")[pid]["recovery_due"] is False


def test_user_caused_idle_land_is_due_for_recovery_at_two_full_years(world, runtime):
    auditor = world.actors["auditor"]
    pid = world.parcel_in("idle")  # declared 2024-09-01, user cause
    assert idle(runtime, auditor, "2025-07-31")[pid]["recovery_due"] is False
    assert idle(runtime, auditor, "2025-08-01")[pid]["recovery_due"] is True
    world.fire(pid, "recover")  # 2025-08-05
    assert pid in idle(runtime, auditor, "2025-08-04")
    assert pid not in idle(runtime, auditor, "2025-08-05")


def test_a_backdated_start_is_taken_into_account_from_its_own_date(world, runtime):
    auditor = world.actors["auditor"]
    pid = world.parcel_in("in_use")
    assert pid in idle(runtime, auditor, "2024-08-05")
    world.fire(pid, "start_construction", effective_date="2024-07-20")  # recorded now
    assert pid not in idle(runtime, auditor, "2024-08-05")


def test_unsupplied_categories_follow_the_dates_of_the_chain(world, runtime):
    auditor = world.actors["auditor"]
    pid = world.parcel_in("in_use")  # approved 03-01, expropriated 03-20, supplied 05-06
    assert pid not in unsupplied(runtime, auditor, "2023-02-28")
    assert unsupplied(runtime, auditor, "2023-03-10")[pid] == [
        "approved_unexpropriated", "approved_unsupplied"]
    assert unsupplied(runtime, auditor, "2023-04-01")[pid] == [
        "expropriated_unsupplied", "approved_unsupplied"]
    assert pid not in unsupplied(runtime, auditor, "2023-06-01")
    assert unsupplied(runtime, auditor, "2023-09-01")[pid] == ["supplied_unused"]


def test_a_lapsed_approval_leaves_the_stock_on_its_lapse_date(world, runtime):
    auditor = world.actors["auditor"]
    pid = world.parcel_in("lapsed", ownership="state")  # approved 2023-03-01, lapsed 2025-03-02
    assert unsupplied(runtime, auditor, "2025-03-01")[pid] == ["approved_unsupplied"]
    assert pid not in unsupplied(runtime, auditor, "2025-03-02")


def test_filters_by_township_category_and_cohort(world, runtime):
    auditor = world.actors["auditor"]
    a = world.parcel_in("approved")
    b = world.parcel_in("approved", township="黄水镇")
    assert set(unsupplied(runtime, auditor, "2024-01-01", township="黄水镇")) == {b}
    assert a in unsupplied(runtime, auditor, "2024-01-01", category="approved_unexpropriated")
    assert unsupplied(runtime, auditor, "2024-01-01", cohort=2022) == {}


def test_the_summary_gives_stocks_and_supply_rates_per_cohort(world, runtime):
    auditor = world.actors["auditor"]
    world.parcel_in("approved")
    world.parcel_in("supplied")
    s = q.unsupplied_summary(runtime.reader(), auditor, as_of=date(2024, 1, 1))
    cohort = s["cohorts"][0]
    assert cohort["cohort"] == 2023 and cohort["approved_m2"] == "20000.00"
    assert cohort["supplied_m2"] == "10000.00" and cohort["supply_rate"] == "0.5000"
    assert cohort["approved_unsupplied_m2"] == "10000.00"
    assert s["rolling"]["supply_rate"] == "0.5000" and s["rolling"]["below_minimum"] is True


def test_indicators_are_computed_from_the_approvals_against_the_plan(world, runtime):
    auditor = world.actors["auditor"]
    world.parcel_in("approved")
    world.parcel_in("approved")
    result = q.indicators(runtime.reader(), auditor, as_of=date(2024, 1, 1))
    by_key = {i["key"]: i for i in result["items"]}
    approved = by_key["new_construction_land_approved"]
    assert approved["value"] == "0.0170" and approved["target_2025"] == "6.67"
    assert approved["status"] == "within_cap"
    assert by_key["forest_cover"]["status"] == "not_tracked"
