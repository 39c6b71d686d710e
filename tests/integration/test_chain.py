"""The whole chain through the service, on a real database."""

from __future__ import annotations

import pytest

from tests.factories import PATHS, PRE_APPROVAL_RECORDS, World
from workflow import services
from workflow.audit import verify_chains
from workflow.errors import TransitionNotAllowed, VersionConflict
from workflow.models import AuditEvent
from workflow.payloads.transitions import load_transition


@pytest.fixture
def world(runtime):
    return World(runtime)


def test_a_collective_parcel_goes_through_the_whole_chain_to_registered(world, runtime):
    pid = world.parcel_in("registered")
    p = world.parcel(pid)
    assert p.state == "registered"
    records = len(PRE_APPROVAL_RECORDS) + 1  # and the land-price payment
    assert p.version == 1 + len(PATHS["registered"]) + records
    with runtime.reader() as uow:
        history = uow.session.query(AuditEvent).filter_by(parcel_id=pid).order_by(
            AuditEvent.stream_seq).all()
        assert [e.name for e in history if e.kind != "record"] == \
            ["survey", *PATHS["registered"]]
        assert [e.to_state for e in history][-1] == "registered"
        assert history[0].prev_hash is None
        for prev, ev in zip(history, history[1:], strict=False):
            assert ev.prev_hash == prev.hash
        assert verify_chains(uow.session).ok


def test_a_state_owned_parcel_is_supplied_straight_from_approved(world):
    pid = world.parcel_in("approved", ownership="state")
    world.fire(pid, "supply")
    assert world.state_of(pid) == "supplied"


def test_a_recovered_parcel_can_be_supplied_again(world):
    pid = world.parcel_in("recovered")
    world.fire(pid, "supply", effective_date="2025-09-01", signed_on="2025-09-01",
               agreed_start_date="2025-12-01", agreed_completion_date="2027-12-01",
               land_user="石柱县另一家公司")
    p = world.parcel(pid)
    assert p.state == "supplied" and p.land_user == "石柱县另一家公司"


def test_a_stale_expected_version_is_a_version_conflict(world, runtime):
    pid = world.survey()
    body = load_transition("plan", world.payload("plan", expected_version=7))
    with pytest.raises(VersionConflict):
        services.fire_transition(runtime.uow(), pid, "plan", body, world.actors["clerk"])
    assert world.state_of(pid) == "surveyed"
    assert world.event_count(pid) == 1


def test_firing_from_a_wrong_state_is_refused_and_writes_nothing(world):
    pid = world.survey()
    with pytest.raises(TransitionNotAllowed):
        world.fire(pid, "supply")
    assert world.state_of(pid) == "surveyed" and world.event_count(pid) == 1
