"""A portal consumer following /events while four threads fire 1,000 transitions sees every
event exactly once, in sequence order (PostgreSQL, real commits)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from tests.factories import World
from workflow.models import OutboxEvent
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
        while True:
            finished = done.is_set()
            page = list_events(committed_runtime.reader(), portal, after=cursor, limit=37)
            for item in page["items"]:
                seen.append(item["seq"])
            cursor = page["next"]
            if finished and not page["items"]:
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
