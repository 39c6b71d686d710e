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


def test_forty_concurrent_retries_of_one_survey_all_get_the_first_answer(committed_runtime):
    """A client retrying one survey with one Idempotency-Key, 40 requests at once: one
    creates the parcel, every other one replays its answer (never 409 CONFLICT on the code
    the first one just took)."""
    from sqlalchemy import func, select

    from tests.factories import SURVEY
    from workflow import services
    from workflow.models import Parcel
    from workflow.payloads.fields import load
    from workflow.payloads.survey import SurveySchema

    world = World(committed_runtime, ledgers=False)
    clerk = world.actors["clerk"]
    for round_ in range(3):  # a few rounds: the race must hold every time, not once by luck
        body = load(SurveySchema, {**SURVEY, "code": f"RETRY-{round_}"})
        results = race(40, lambda i, body=body, round_=round_: services.create_parcel(
            committed_runtime.uow(), body, clerk, idempotency_key=f"retry-{round_}"))
        assert all(r[0] == "ok" for r in results), [r for r in results if r[0] != "ok"]
        assert len({r[1][0]["parcel"]["id"] for r in results}) == 1
        assert sorted(r[1][1] for r in results) == [False] + [True] * 39
        with committed_runtime.reader() as uow:
            assert uow.session.execute(select(func.count()).select_from(Parcel).where(
                Parcel.code == f"RETRY-{round_}")).scalar_one() == 1


def test_forty_concurrent_retries_of_one_portal_filing_all_get_the_case(committed_runtime):
    from tests.api.test_portal_http import application
    from workflow.payloads.fields import load
    from workflow.portal import services as portal
    from workflow.portal.schemas import ApplicationSchema

    world = World(committed_runtime, ledgers=False)
    body = load(ApplicationSchema, application("YKB-RETRY-1"))
    results = race(40, lambda i: portal.file_application(
        committed_runtime.uow(), world.actors["portal"], body))
    assert all(r[0] == "ok" for r in results), [r for r in results if r[0] != "ok"]
    assert len({r[1][0]["parcel_id"] for r in results}) == 1
    assert sorted(r[1][1] for r in results) == [False] + [True] * 39
