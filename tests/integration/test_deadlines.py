"""Deadlines are rows: opened and closed by transitions and records, explained, pausable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import World
from workflow.deadlines import queries as deadline_queries
from workflow.deadlines import services as deadline_services
from workflow.errors import ValidationFailed
from workflow.models import Deadline


@pytest.fixture
def world(runtime):
    return World(runtime)


def rows(runtime, pid):
    with runtime.reader() as uow:
        found = {d.kind: d for d in uow.session.execute(
            select(Deadline).where(Deadline.parcel_id == pid).order_by(Deadline.id)).scalars()}
        uow.session.expunge_all()
        return found


def test_approval_opens_the_lapse_and_announcement_clocks_and_expropriation_meets_them(
        world, runtime):
    pid = world.parcel_in("approved")  # approved Wednesday 2023-03-01
    d = rows(runtime, pid)
    assert d["approval_lapse"].due_on.isoformat() == "2025-03-01"
    assert d["approval_lapse"].explanation == "2025-03-01 = approval 2023-03-01 + 2 full years"
    assert d["expropriation_announcement"].due_on.isoformat() == "2023-03-22"
    assert d["expropriation_announcement"].explanation == \
        "2023-03-22 = approval 2023-03-01 + 15 working days"
    world.fire(pid, "expropriate")
    d = rows(runtime, pid)
    assert d["expropriation_announcement"].state == "met"
    assert d["expropriation_announcement"].closed_on.isoformat() == "2023-03-10"
    assert d["approval_lapse"].state == "met"


def test_state_owned_land_has_no_announcement_clock(world, runtime):
    pid = world.parcel_in("approved", ownership="state")
    assert "expropriation_announcement" not in rows(runtime, pid)


def test_supply_opens_payment_start_idle_and_completion_clocks(world, runtime):
    pid = world.parcel_in("supplied")  # signed 2023-05-06, start 2023-08-01, done 2025-08-01
    d = rows(runtime, pid)
    # Industrial land: 60 days (暂行条例 第十四条; 财综〔2009〕74号), not 34号's one month.
    assert d["payment_down"].due_on.isoformat() == "2023-07-05"
    assert str(d["payment_down"].amount_yuan) == "2500000.00"
    assert d["payment_balance"].due_on.isoformat() == "2024-05-06"
    assert d["agreed_start"].due_on.isoformat() == "2023-08-01"
    assert d["idle_clock"].due_on.isoformat() == "2024-08-01"
    assert d["idle_clock"].recovery_on.isoformat() == "2025-08-01"
    assert d["agreed_completion"].due_on.isoformat() == "2025-08-01"
    world.record(pid, "payment", "2023-06-01", amount_yuan="2500000.00")
    d = rows(runtime, pid)
    assert d["payment_down"].state == "met" and d["payment_balance"].state == "open"
    world.record(pid, "payment", "2024-06-01", amount_yuan="2500000.00")  # 26 days late
    d = rows(runtime, pid)
    assert d["payment_balance"].state == "breached"
    assert d["payment_balance"].breached_on.isoformat() == "2024-05-07"


def test_starting_construction_meets_the_start_and_idle_clocks(world, runtime):
    pid = world.parcel_in("under_construction")  # started 2023-07-15
    d = rows(runtime, pid)
    assert d["agreed_start"].state == "met" and d["idle_clock"].state == "met"


def test_registration_runs_fifteen_working_days_from_the_day_after_acceptance(world, runtime):
    pid = world.parcel_in("inspected")
    world.record(pid, "registration_accepted", "2025-09-26")
    d = rows(runtime, pid)
    # Across National Day 2025: 28 Sep (make-up), 29, 30, then 9, 10, 11 (make-up), 13–17, 20–23.
    assert d["registration"].due_on.isoformat() == "2025-10-23"
    assert "skipping 2025-10-01..08" in d["registration"].explanation
    assert "make-up working day 2025-09-28, 2025-10-11" in d["registration"].explanation
    world.prepare(pid, "register")
    world.fire(pid, "register", effective_date="2025-10-20")
    assert rows(runtime, pid)["registration"].state == "met"


def test_the_parcel_shows_its_open_deadlines(world, runtime):
    from workflow import queries

    pid = world.parcel_in("approved")
    view = queries.read_parcel(runtime.reader(), world.actors["clerk"], pid)
    assert {d["kind"] for d in view["deadlines"]} == {"approval_lapse",
                                                      "expropriation_announcement"}


def test_pause_and_resume_move_the_due_date_by_the_days_paused(world, runtime):
    pid = world.parcel_in("approved")
    lapse = rows(runtime, pid)["approval_lapse"]
    from datetime import date

    approver = world.actors["approver"]
    with pytest.raises(Exception):  # noqa: B017 - a clerk may not pause a legal clock
        deadline_services.pause_deadline(runtime.uow(), world.actors["clerk"], lapse.id,
                                         date(2023, 6, 1), "信访")
    paused = deadline_services.pause_deadline(runtime.uow(), approver, lapse.id,
                                              date(2023, 6, 1), "群众信访致无法实施")
    assert paused["state"] == "paused"
    resumed = deadline_services.resume_deadline(runtime.uow(), approver, lapse.id,
                                                date(2023, 7, 1))
    assert resumed["state"] == "open" and resumed["due_on"] == "2025-03-31"
    assert "paused 2023-06-01..2023-07-01" in resumed["explanation"]
    with pytest.raises(ValidationFailed):
        deadline_services.resume_deadline(runtime.uow(), approver, lapse.id, date(2023, 7, 2))


def test_deadlines_are_listed_by_due_date_and_state(world, runtime):
    from datetime import date

    world.parcel_in("approved")
    found = deadline_queries.list_deadlines(runtime.reader(), world.actors["auditor"],
                                             due_before=date(2023, 4, 1), state="open")
    assert [d["kind"] for d in found["items"]] == ["expropriation_announcement"]


def test_a_pause_extends_the_registration_limit_by_the_working_days_it_covers(world, runtime):
    """重庆市土地房屋权属登记条例 第二十五条: the time spent supplementing materials is not counted
    in the working-day limit. Accepted 2025-01-20, due 2025-02-14; paused 01-22 → 02-06 (six
    working days across the Spring Festival, make-up Sunday 01-26 counted): due 2025-02-24,
    not 2025-03-01."""
    from datetime import date

    pid = world.parcel_in("under_construction")
    world.fire(pid, "inspect", effective_date="2025-01-10")
    world.record(pid, "registration_accepted", "2025-01-20")
    clock = rows(runtime, pid)["registration"]
    assert clock.due_on.isoformat() == "2025-02-14"
    approver = world.actors["approver"]
    deadline_services.pause_deadline(runtime.uow(), approver, clock.id, date(2025, 1, 22),
                                     "补正材料")
    resumed = deadline_services.resume_deadline(runtime.uow(), approver, clock.id,
                                                date(2025, 2, 6))
    assert resumed["due_on"] == "2025-02-24"
    assert "+6 working days → 2025-02-24" in resumed["explanation"]
    world.prepare(pid, "register")
    world.fire(pid, "register", effective_date="2025-02-24")
    assert rows(runtime, pid)["registration"].state == "met"


def test_a_pause_extends_the_expropriation_announcement_by_working_days(world, runtime):
    """土地管理法实施条例 第三十一条 (15 working days from the approval): approved 2023-03-01,
    due 2023-03-22; paused Friday 03-10 → Monday 03-20 (six working days): due 2023-03-30, and
    the expropriate step judges the announcement on that clock."""
    from datetime import date

    from tests.integration.rules.helpers import refused

    pid = world.parcel_in("approved")
    clock = rows(runtime, pid)["expropriation_announcement"]
    approver = world.actors["approver"]
    deadline_services.pause_deadline(runtime.uow(), approver, clock.id, date(2023, 3, 10),
                                     "不可抗力")
    resumed = deadline_services.resume_deadline(runtime.uow(), approver, clock.id,
                                                date(2023, 3, 20))
    assert resumed["due_on"] == "2023-03-30"
    late = {"effective_date": "2023-03-31"}
    assert refused(world, pid, "expropriate", announced_on="2023-03-31", **late) == {
        "EXPROPRIATION_ANNOUNCEMENT_LATE"}
    world.fire(pid, "expropriate", announced_on="2023-03-30", **late)
    assert rows(runtime, pid)["expropriation_announcement"].state == "met"
