"""Two delivery workers against a receiver that trickles its answer (PostgreSQL, real commits):
the lease keeps them from ever posting the same event at the same time."""

from __future__ import annotations

import threading
import time

import pytest

from tests.factories import World
from tests.receivers import Trickler
from workflow.payloads.fields import load
from workflow.portal import delivery, webhooks
from workflow.portal.addresses import AddressPolicy
from workflow.portal.schemas import SubscriptionSchema

pytestmark = pytest.mark.postgres_only

LOCAL = AddressPolicy.from_strings("127.0.0.0/8", "1-65535")


def test_two_workers_never_post_the_same_event_at_once(committed_runtime):
    rt = committed_runtime
    world = World(rt, ledgers=False)
    admin = world.actors["admin"]
    webhooks.allow_host(rt.uow(), admin, "127.0.0.1", LOCAL)
    # The answer would take ~13 s at one byte every 0.2 s; the lease is 2 s.
    slow = Trickler(interval=0.2)
    policy = delivery.DeliveryPolicy(backoff_base_s=0.05, backoff_max_s=0.1, max_failures=1000,
                                     timeout_s=0.5, deadline_s=1.0, lease_s=2.0,
                                     addresses=LOCAL)
    try:
        webhooks.create_subscription(rt.uow(), admin, load(SubscriptionSchema, {
            "url": slow.url, "secret": "s" * 32, "from_seq": 1}), LOCAL)
        world.survey()
        until = time.monotonic() + 5.0
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                while time.monotonic() < until:
                    delivery.deliver_once(rt.uow, policy)
                    time.sleep(0.01)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not errors, errors
        assert slow.overlapping() == []  # never two posts of one event at once ...
        assert len(slow.posts) >= 3  # ... though it was tried again and again
        assert all(ended - began < policy.deadline_s + 0.5 for _, began, ended in slow.posts)
    finally:
        slow.close()
