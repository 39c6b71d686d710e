"""A portal consumer following /events while four threads fire 1,000 transitions sees every
event exactly once, in sequence order; a reader never passes an event still being written
(PostgreSQL, real commits)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.factories import World
from workflow.models import OutboxEvent, Parcel
from workflow.portal.queries import list_events

pytestmark = pytest.mark.postgres_only

PATH = ["plan", "approve", "supply", "hand_over", "start_construction"]


def test_a_consumer_sees_every_event_once_in_order(committed_runtime):
    world = World(committed_runtime)
    world.credit("1000000.00", "300000.00", grade=3)  # 200 parcels occupy 1.2 km² of farmland
    portal = world.actors["portal"]
    parcels = [[world.survey(ownership="state") for _ in range(50)] for _ in range(4)]
    start = list_events(committed_runtime.reader(), portal, after=0, limit=1)
    cursor = 0
    seen: list[int] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def fire(mine: list[int]) -> None:
        try:
            for pid in mine:
                for name in PATH:
                    world.fire(pid, name)
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append((err, getattr(err, "codes", None)))

    def consume() -> None:
        nonlocal cursor
        deadline = None
        while True:
            finished = done.is_set()
            page = list_events(committed_runtime.reader(), portal, after=cursor, limit=37)
            for item in page["items"]:
                seen.append(item["seq"])
            cursor = page["next"]
            if finished and not page["items"]:
                # Every writer has committed; the feed shows an event once no transaction
                # older than it is still running (on this server, other databases too), so
                # drain until the cursor reaches the last event written.
                if cursor >= last_seq(committed_runtime):
                    return
                deadline = deadline or time.monotonic() + 60
                if time.monotonic() > deadline:
                    return
            if not page["items"]:
                time.sleep(0.005)

    del start
    consumer = threading.Thread(target=consume)
    consumer.start()
    workers = [threading.Thread(target=fire, args=(mine,)) for mine in parcels]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done.set()
    consumer.join(60)
    assert not errors, errors
    with committed_runtime.reader() as uow:
        all_seqs = list(uow.session.execute(select(OutboxEvent.seq).order_by(OutboxEvent.seq))
                        .scalars())
        transitions = uow.session.execute(select(OutboxEvent.seq).where(
            OutboxEvent.type.in_([f"transition.{n}" for n in PATH]))).scalars().all()
    assert len(transitions) == 1000
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert seen == all_seqs


def last_seq(rt) -> int:
    with rt.reader() as uow:
        return uow.session.execute(select(func.coalesce(func.max(OutboxEvent.seq), 0))
                                   ).scalar_one()


def test_a_reader_never_passes_an_event_still_being_written_and_writers_do_not_queue(
        committed_runtime):
    """While one transaction holds an uncommitted outbox event, another on a different parcel
    commits at once (no shared counter row to wait on); a feed reader stops short of the
    in-flight event and later receives both, the older first, nothing skipped."""
    world = World(committed_runtime)
    portal = world.actors["portal"]
    first, second = world.survey(ownership="state"), world.survey(ownership="state")
    cursor = list_events(committed_runtime.reader(), portal, after=0, limit=1000)["next"]
    with committed_runtime.uow() as held:
        # In flight: its number (taken from its transaction id) is below anything a
        # transaction starting later can take.
        held.session.execute(select(Parcel.id).where(Parcel.id == first).with_for_update())
        held.emit("transition.test_inflight", first, {"held": True})
        held._flush_outbox()
        inflight = held.session.execute(select(func.max(OutboxEvent.seq))).scalar_one()
        with ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            pool.submit(world.fire, second, "plan").result(timeout=20)
            assert time.monotonic() - started < 10, "the other writer queued behind the first"
        committed_after = last_seq(committed_runtime)
        assert committed_after > inflight  # committed, numbered above the in-flight event
        page = list_events(committed_runtime.reader(), portal, after=cursor, limit=1000)
        assert all(item["seq"] < inflight for item in page["items"])
        assert page["next"] < inflight
        cursor = page["next"]
        held.commit()
    # Both show once no older transaction on the server is still running (other databases on
    # a shared server included), which takes as long as the longest of those.
    deadline = time.monotonic() + 60
    while True:
        page = list_events(committed_runtime.reader(), portal, after=cursor, limit=1000)
        seqs = [item["seq"] for item in page["items"]]
        if committed_after in seqs or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    types = [item["type"] for item in page["items"]]
    assert seqs == sorted(seqs) and inflight in seqs and committed_after in seqs
    assert types.index("transition.test_inflight") < types.index("transition.plan")
