"""The daily sweep: breaches, suspected idle land, lapses; idempotent and late-proof."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import World
from workflow.deadlines.sweep import run_sweep
from workflow.models import Deadline, OutboxEvent, Parcel, QuotaAccount


@pytest.fixture
def world(runtime):
    return World(runtime)


def state(runtime):
    """Everything the sweep may change, without timestamps or ids of its own runs."""
    with runtime.reader() as uow:
        s = uow.session
        return (
            sorted((d.parcel_id, d.kind, d.state, d.due_on, d.breached_on, d.closed_on)
                   for d in s.execute(select(Deadline)).scalars()),
            sorted((p.id, p.state, p.version) for p in s.execute(select(Parcel)).scalars()),
            sorted((a.id, a.balance_m2) for a in s.execute(select(QuotaAccount)).scalars()),
            sorted((e.type, e.parcel_id) for e in s.execute(select(OutboxEvent)).scalars()),
        )


def portfolio(world: World) -> dict[str, int]:
    return {
        "approved": world.parcel_in("approved", ownership="state"),  # lapses 2025-03-01
        "supplied": world.parcel_in("in_use"),  # idle clock 2024-08-01
        "building": world.parcel_in("under_construction"),
    }


def test_running_the_sweep_twice_changes_nothing_the_second_time(world, runtime, clock):
    p = portfolio(world)
    first = run_sweep(runtime, date(2025, 6, 30))
    assert first.lapsed == 1 and first.idle_flagged == 1 and first.breached >= 3
    after_first = state(runtime)
    second = run_sweep(runtime, date(2025, 6, 30))
    assert (second.breached, second.idle_flagged, second.lapsed) == (0, 0, 0)
    assert state(runtime) == after_first
    assert world.state_of(p["approved"]) == "lapsed"


def test_a_late_sweep_finds_the_same_breaches_as_one_on_time(runtime, clock):
    def run(schedule):
        savepoint = runtime.test_connection.begin_nested()
        try:
            world = World(runtime)
            portfolio(world)
            for day in schedule:
                run_sweep(runtime, day)
            return state(runtime)
        finally:
            savepoint.rollback()

    daily = run([date(2024, 8, 2), date(2024, 9, 15), date(2025, 3, 2), date(2025, 6, 30)])
    late = run([date(2025, 6, 30)])
    assert _without_ids(daily) == _without_ids(late)


def _without_ids(snapshot):
    deadlines, parcels, accounts, events = snapshot
    return ([d[1:] for d in deadlines], [p[1:] for p in parcels], [a[1:] for a in accounts],
            [e[0] for e in events])


def test_the_lapse_is_dated_on_the_anniversary_and_releases_the_quota(world, runtime):
    pid = world.parcel_in("approved", ownership="state")
    account = world.quota_accounts[2023]
    with runtime.reader() as uow:
        before = uow.session.get(QuotaAccount, account).balance_m2
    run_sweep(runtime, date(2025, 6, 30))
    p = world.parcel(pid)
    assert p.state == "lapsed" and p.closed_on == date(2025, 3, 1)
    with runtime.reader() as uow:
        assert uow.session.get(QuotaAccount, account).balance_m2 == before + 8500


def test_suspected_idle_land_gets_an_investigation_clock_and_an_event(world, runtime):
    pid = world.parcel_in("in_use")
    run_sweep(runtime, date(2024, 8, 5))
    with runtime.reader() as uow:
        inv = uow.session.execute(select(Deadline).where(
            Deadline.parcel_id == pid, Deadline.kind == "idle_investigation")).scalar_one()
        inv_id = inv.id
        assert inv.due_on == date(2024, 9, 1)  # breached 2024-08-02 + 30 days
        assert inv.explanation == "2024-09-01 = suspected idle land found 2024-08-02 + 30 days"
        events = [e.type for e in uow.session.execute(
            select(OutboxEvent).where(OutboxEvent.parcel_id == pid)).scalars()]
        assert "idle.suspected" in events and "deadline.breached" in events
    world.record(pid, "idle_notice", "2024-08-20")
    with runtime.reader() as uow:
        assert uow.session.get(Deadline, inv_id).state == "met"


def test_the_sweep_refuses_a_date_in_the_future(runtime):
    with pytest.raises(ValueError):
        run_sweep(runtime, date(2099, 1, 1))


def test_the_sweep_command_refuses_a_date_outside_the_window(runtime):
    from api import create_app

    cli = create_app(runtime=runtime, testing=True).test_cli_runner()
    for day in ("0001-01-01", "9999-12-31", "20250630"):
        r = cli.invoke(args=["sweep", "--as-of", day])
        assert r.exit_code != 0 and "--as-of" in r.output, r.output
