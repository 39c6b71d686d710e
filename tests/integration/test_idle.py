"""Idle land at its exact boundaries (闲置土地处置办法 第二条、第八条、第十二条、第十四条)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.factories import World
from tests.integration.rules.helpers import refused
from workflow.errors import RuleViolation
from workflow.models import Deadline


@pytest.fixture
def world(runtime):
    return World(runtime)


def handed_over(world: World, hand_over_on: str = "2023-06-01", **supply) -> int:
    """Supplied 2023-05-06 with agreed start 2023-08-01 (unless overridden), handed over."""
    pid = world.parcel_in("expropriated")
    world.fire(pid, "supply", **supply)
    world.fire(pid, "hand_over", effective_date=hand_over_on)
    return pid


def test_not_started_is_idle_on_the_day_one_full_year_is_reached(world):
    pid = handed_over(world)  # agreed start 2023-08-01
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "declare_idle", effective_date="2024-07-31")
    assert err.value.codes == {"IDLE_NOT_DUE"}
    assert err.value.violations[0].details["idle_from"] == "2024-08-01"
    world.fire(pid, "declare_idle", effective_date="2024-08-01")
    p = world.parcel(pid)
    assert p.state == "idle" and p.idle_fee_yuan == Decimal("1000000.00")  # 20% of 5,000,000


def test_a_29_february_agreed_start_is_idle_from_28_february(world):
    pid = handed_over(world, hand_over_on="2024-02-10", effective_date="2024-02-01",
                      signed_on="2024-02-01", agreed_start_date="2024-02-29",
                      agreed_completion_date="2026-02-28")
    assert refused(world, pid, "declare_idle", effective_date="2025-02-27") == {"IDLE_NOT_DUE"}
    world.fire(pid, "declare_idle", effective_date="2025-02-28")


def test_recovery_without_compensation_is_lawful_on_the_day_two_full_years_are_reached(world):
    pid = handed_over(world)
    world.fire(pid, "declare_idle", effective_date="2024-08-01")
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "recover", effective_date="2025-07-31")
    assert err.value.codes == {"RECOVERY_NOT_DUE"}
    assert err.value.violations[0].details["recovery_from"] == "2025-08-01"
    world.fire(pid, "recover", effective_date="2025-08-01")
    assert world.state_of(pid) == "recovered"


def started_and_stalled(world: World, developed: str, planned: str, invested: str,
                        total: str) -> int:
    pid = handed_over(world)
    world.fire(pid, "start_construction", effective_date="2023-08-10")
    world.record(pid, "construction_progress", "2023-12-01", developed_area_m2=developed,
                 planned_area_m2=planned, invested_yuan=invested, total_investment_yuan=total)
    world.record(pid, "construction_suspended", "2023-12-20", since="2023-12-15")
    return pid


@pytest.mark.parametrize(("developed", "invested", "idle"), [
    ("2999.99", "30000000", True),   # developed just under 1/3 of 9000 m²
    ("3000.00", "30000000", False),  # exactly 1/3: not "less than"
    ("5000.00", "24999999", True),   # invested just under 25% of 100,000,000
    ("5000.00", "25000000", False),  # exactly 25%
])
def test_started_but_stalled_thresholds(world, developed, invested, idle):
    pid = started_and_stalled(world, developed, "9000", invested, "100000000")
    if idle:
        assert refused(world, pid, "declare_idle", effective_date="2024-12-14") == {
            "IDLE_NOT_DUE"}  # one day short of a full year of suspension
        world.fire(pid, "declare_idle", effective_date="2024-12-15")
        assert world.state_of(pid) == "idle"
    else:
        assert refused(world, pid, "declare_idle", effective_date="2025-06-01") == {
            "IDLE_NOT_DUE"}


def test_a_started_project_without_progress_records_is_not_idle(world):
    pid = handed_over(world)
    world.fire(pid, "start_construction", effective_date="2023-08-10")
    assert refused(world, pid, "declare_idle", effective_date="2025-06-01") == {"IDLE_NOT_DUE"}


def test_government_cause_owes_no_fee_and_is_recovered_only_with_compensation(world):
    pid = handed_over(world)
    world.fire(pid, "declare_idle", effective_date="2024-09-01", cause="government")
    assert world.parcel(pid).idle_fee_yuan == Decimal("0.00")
    assert refused(world, pid, "recover", effective_date="2026-01-05") == {
        "RECOVERY_COMPENSATION_REQUIRED"}
    world.fire(pid, "recover", effective_date="2026-01-05", with_compensation=True,
               agreement_ref="石府协收〔2026〕1号")
    assert world.state_of(pid) == "recovered"


def test_force_majeure_is_treated_like_a_government_cause(world):
    pid = handed_over(world)
    world.fire(pid, "declare_idle", effective_date="2024-09-01", cause="force_majeure")
    assert world.parcel(pid).idle_fee_yuan == Decimal("0.00")
    assert refused(world, pid, "recover", effective_date="2026-01-05") == {
        "RECOVERY_COMPENSATION_REQUIRED"}


def test_user_cause_resumes_only_after_the_fee_is_paid(world):
    pid = handed_over(world)
    world.fire(pid, "declare_idle", effective_date="2024-08-15")
    assert refused(world, pid, "resume", effective_date="2024-10-01") == {
        "IDLE_DISPOSAL_UNSETTLED"}
    world.record(pid, "payment", "2024-09-10", amount_yuan="1000000.00", purpose="idle_fee")
    world.fire(pid, "resume", effective_date="2024-10-01")
    assert world.state_of(pid) == "under_construction"


def clocks(runtime, pid, kind="idle_clock"):
    with runtime.reader() as uow:
        return [(d.state, d.due_on.isoformat(), d.opened_on.isoformat(),
                 d.closed_on.isoformat() if d.closed_on else None)
                for d in uow.session.execute(select(Deadline).where(
                    Deadline.parcel_id == pid, Deadline.kind == kind).order_by(Deadline.id))
                .scalars()]


def test_an_extension_restarts_the_clock(world, runtime):
    pid = handed_over(world)
    world.fire(pid, "declare_idle", effective_date="2024-09-01", cause="government")
    assert refused(world, pid, "resume", effective_date="2024-11-01") == {
        "IDLE_DISPOSAL_UNSETTLED"}
    world.record(pid, "idle_disposal", "2024-10-08", option="extension",
                 agreement_ref="石规资补协〔2024〕9号", new_agreed_start_date="2025-03-01",
                 new_agreed_completion_date="2027-03-01")
    assert world.parcel(pid).agreed_start_date.isoformat() == "2025-03-01"
    assert clocks(runtime, pid) == [
        ("cancelled", "2024-08-01", "2023-05-06", "2024-10-08"),
        ("open", "2026-03-01", "2024-10-08", None),
    ]
    world.fire(pid, "resume", effective_date="2024-11-01")
    assert world.state_of(pid) == "under_construction"


def test_an_extension_is_at_most_one_year_and_temporary_use_at_most_two(world):
    pid = handed_over(world)
    world.fire(pid, "declare_idle", effective_date="2024-09-01", cause="government")
    with pytest.raises(RuleViolation) as err:
        world.record(pid, "idle_disposal", "2024-10-08", option="extension",
                     agreement_ref="x", new_agreed_start_date="2025-10-09")
    assert err.value.codes == {"IDLE_DISPOSAL_INVALID"}
    world.record(pid, "idle_disposal", "2024-10-08", option="extension", agreement_ref="x",
                 new_agreed_start_date="2025-10-08")
    with pytest.raises(RuleViolation):
        world.record(pid, "idle_disposal", "2024-10-09", option="temporary_use",
                     agreement_ref="y", temp_use_start="2024-11-01", temp_use_end="2026-11-02",
                     new_agreed_start_date="2026-11-02")
    world.record(pid, "idle_disposal", "2024-10-09", option="temporary_use", agreement_ref="y",
                 temp_use_start="2024-11-01", temp_use_end="2026-11-01",
                 new_agreed_start_date="2026-11-02")


# --- the government's own delay: a late hand-over (闲置土地处置办法 第八条第(一)项) --------------

LATE_SUPPLY = {"agreed_start_date": "2023-06-01", "price_yuan": "1000000.00"}


def idle_list(runtime, world, on: str) -> dict:
    from datetime import date

    from workflow.reports import queries as q

    return {i["parcel_id"]: i for i in q.idle_land(runtime.reader(), world.actors["auditor"],
                                                     as_of=date.fromisoformat(on))["items"]}


def test_late_hand_over_is_the_governments_delay_and_the_users_year_runs_from_it(world,
                                                                                 runtime):
    """闲置土地处置办法 第八条第(一)项、第十四条; 城市房地产管理法 第二十六条: agreed start
    2023-06-01, handed over 2024-03-01. On 2024-06-01 no fee is due and the user may not be
    named; the user's own year is reached on 2025-03-01."""
    pid = handed_over(world, hand_over_on="2024-03-01", **LATE_SUPPLY)
    with runtime.reader() as uow:
        clock = uow.session.execute(select(Deadline).where(
            Deadline.parcel_id == pid, Deadline.kind == "idle_clock")).scalar_one()
        assert clock.recovery_on.isoformat() == "2026-03-01"
        assert "fee from 2025-03-01, recovery from 2026-03-01" in clock.explanation
    row = idle_list(runtime, world, "2024-06-01")[pid]
    assert row["fee_due_yuan"] == "0.00" and row["government_delay"] == "late_hand_over"
    assert row["fee_from"] == "2025-03-01" and row["recovery_from"] == "2026-03-01"
    assert row["handed_over_on"] == "2024-03-01"
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "declare_idle", effective_date="2024-06-01", cause="user")
    assert err.value.codes == {"IDLE_GOVERNMENT_CAUSE"}
    assert world.state_of(pid) == "in_use"
    assert pid not in idle_list(runtime, world, "2024-05-31")
    row = idle_list(runtime, world, "2025-03-01")[pid]
    assert row["fee_due_yuan"] == "200000.00" and row["government_delay"] is None
    world.fire(pid, "declare_idle", effective_date="2025-03-01", cause="user")
    assert world.parcel(pid).idle_fee_yuan == Decimal("200000.00")
    assert refused(world, pid, "recover", effective_date="2026-02-28") == {"RECOVERY_NOT_DUE"}
    world.fire(pid, "recover", effective_date="2026-03-01")
    assert world.state_of(pid) == "recovered"


def test_land_never_handed_over_owes_no_fee_and_is_recovered_only_with_compensation(world,
                                                                                  runtime):
    """闲置土地处置办法 第八条第(一)项、第十二条、第十四条: land never handed over is idle by the
    government's cause; the user pays no fee, and recovery is by agreement with compensation."""
    pid = world.parcel_in("expropriated")
    world.fire(pid, "supply", **LATE_SUPPLY)
    row = idle_list(runtime, world, "2024-06-01")[pid]
    assert row["fee_due_yuan"] == "0.00" and row["government_delay"] == "late_hand_over"
    assert row["recovery_due"] is False
    assert idle_list(runtime, world, "2026-06-01")[pid]["recovery_due"] is False
    assert refused(world, pid, "declare_idle", effective_date="2024-06-01",
                   cause="user") == {"IDLE_GOVERNMENT_CAUSE"}
    world.fire(pid, "declare_idle", effective_date="2024-06-01", cause="government")
    assert world.parcel(pid).idle_fee_yuan == Decimal("0.00")
    assert refused(world, pid, "recover", effective_date="2025-06-01") == {
        "RECOVERY_COMPENSATION_REQUIRED"}


# --- a paused idle clock pauses the determination (闲置土地处置办法 第八条第(四)项; RULES §2.4) --

ON_TIME = {"agreed_start_date": "2023-06-01", "price_yuan": "1000000.00"}


def idle_clock_id(runtime, pid: int) -> int:
    with runtime.reader() as uow:
        return uow.session.execute(select(Deadline.id).where(
            Deadline.parcel_id == pid, Deadline.kind == "idle_clock")).scalar_one()


def pause(world, runtime, pid: int, since: str, until: str | None = None) -> None:
    from datetime import date

    from workflow.deadlines import services as clock_services

    approver, clock = world.actors["approver"], idle_clock_id(runtime, pid)
    clock_services.pause_deadline(runtime.uow(), approver, clock, date.fromisoformat(since),
                                  "群众信访致无法动工开发 (闲置土地处置办法 第八条第(四)项)")
    if until is not None:
        clock_services.resume_deadline(runtime.uow(), approver, clock,
                                       date.fromisoformat(until))


def user_cause_accepted(world, pid: int, on: str) -> bool:
    outcome = world.fire(pid, "declare_idle", effective_date=on, cause="user", dry_run=True)
    return not outcome["violations"]


def test_a_paused_idle_clock_moves_the_determination_with_the_list(world, runtime):
    """闲置土地处置办法 第八条第(四)项; RULES.md §2.4: agreed start 2023-06-01, clock paused
    2023-09-01 → 2024-03-01 (182 days). The list and declare_idle read the same clock: neither
    finds user-caused idle land on 2024-06-01; both do on 2024-11-30."""
    pid = handed_over(world, hand_over_on="2023-05-20", **ON_TIME)
    pause(world, runtime, pid, "2023-09-01", "2024-03-01")
    assert pid not in idle_list(runtime, world, "2024-06-01")
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, "declare_idle", effective_date="2024-06-01", cause="user")
    assert err.value.codes == {"IDLE_NOT_DUE"}
    assert err.value.violations[0].details["idle_from"] == "2024-11-30"
    for on in ("2024-06-01", "2024-11-29", "2024-11-30", "2025-01-01"):
        row = idle_list(runtime, world, on).get(pid)
        listed_fee = row is not None and row["fee_due_yuan"] != "0.00"
        assert listed_fee == user_cause_accepted(world, pid, on), on
    row = idle_list(runtime, world, "2024-11-30")[pid]
    assert row["fee_due_yuan"] == "200000.00" and row["recovery_from"] == "2025-11-30"
    world.fire(pid, "declare_idle", effective_date="2024-11-30", cause="user")
    assert refused(world, pid, "recover", effective_date="2025-11-29") == {"RECOVERY_NOT_DUE"}


def test_no_idleness_is_determined_while_the_idle_clock_stands_still(world, runtime):
    """闲置土地处置办法 第八条第(四)项: still paused on the day of the determination: the list
    shows the clock standing still with no fee, and declare_idle is refused."""
    pid = handed_over(world, hand_over_on="2023-05-20", **ON_TIME)
    pause(world, runtime, pid, "2023-09-01")
    row = idle_list(runtime, world, "2024-06-01")[pid]
    assert row["fee_due_yuan"] == "0.00" and row["paused_since"] == "2023-09-01"
    assert row["recovery_due"] is False
    assert refused(world, pid, "declare_idle", effective_date="2024-06-01",
                   cause="user") == {"IDLE_CLOCK_PAUSED"}
    assert not user_cause_accepted(world, pid, "2024-06-01")
