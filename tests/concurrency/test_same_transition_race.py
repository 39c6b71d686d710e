"""Two threads fire the same transition on the same parcel at once (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest

from tests.factories import World
from workflow.errors import LandflowError

pytestmark = pytest.mark.postgres_only


def race(n, fn):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = ("ok", fn(i))
        except LandflowError as err:
            results[i] = ("refused", err.code)
        except Exception as err:  # noqa: BLE001 - a crash must fail the test visibly
            results[i] = ("crash", repr(err))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_threads_firing_the_same_transition_one_wins_the_other_gets_409(committed_runtime):
    world = World(committed_runtime)
    for _ in range(5):  # a few rounds: the race must hold every time, not once by luck
        pid = world.parcel_in("surveyed")
        results = race(2, lambda i, pid=pid: world.fire(pid, "plan"))
        outcomes = sorted(r[0] for r in results)
        assert outcomes == ["ok", "refused"], results
        assert [r[1] for r in results if r[0] == "refused"] == ["TRANSITION_NOT_ALLOWED"]
        assert world.event_count(pid) == 2  # survey + exactly one plan
        assert world.parcel(pid).version == 2


def test_concurrent_retries_with_one_idempotency_key_write_once(committed_runtime):
    world = World(committed_runtime)
    pid = world.parcel_in("surveyed")
    results = race(4, lambda i: world.fire(pid, "plan", idempotency_key="same-key"))
    assert all(r[0] == "ok" for r in results), results
    assert len({r[1]["event"]["hash"] for r in results}) == 1
    assert world.event_count(pid) == 2
