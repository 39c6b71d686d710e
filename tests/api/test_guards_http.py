"""Edges, versions, roles, idempotency over HTTP."""

from __future__ import annotations

import pytest

from states import STEPS, ParcelState, Role, allowed_from
from tests.factories import PATHS, ROLES, role_for

FIRABLE = [s.trigger for s in STEPS if s.sources]
REACHABLE = list(PATHS)  # every state the factory can reach


@pytest.mark.parametrize("state", REACHABLE)
def test_every_transition_from_every_state_where_it_is_not_allowed_is_409(client, world, state):
    assert {ParcelState(s) for s in REACHABLE} == set(ParcelState)
    allowed = {s.trigger for s in allowed_from(state)}
    pid = world.parcel_in(state)
    before = world.event_count(pid)
    refused = []
    for trigger in FIRABLE:
        if trigger in allowed:
            continue
        r = client.fire(pid, trigger)
        assert r.status_code == 409, (trigger, r.get_json())
        assert r.get_json()["code"] == "TRANSITION_NOT_ALLOWED"
        assert r.mimetype == "application/problem+json"
        refused.append(trigger)
    assert len(refused) == len(FIRABLE) - len(allowed)
    assert world.event_count(pid) == before and world.state_of(pid) == state


def test_a_stale_expected_version_is_409_version_conflict(client, world):
    pid = world.parcel_in("surveyed")
    r = client.fire(pid, "plan", {"expected_version": 5})
    assert r.status_code == 409 and r.get_json()["code"] == "VERSION_CONFLICT"
    r = client.fire(pid, "plan", {"expected_version": 1})
    assert r.status_code == 200 and r.get_json()["parcel"]["version"] == 2


def test_the_same_idempotency_key_and_body_replays_the_first_response(client, world):
    pid = world.parcel_in("surveyed")
    first = client.fire(pid, "plan", headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 200
    events = world.event_count()
    again = client.fire(pid, "plan", headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert world.event_count() == events


def test_the_same_idempotency_key_with_another_body_is_refused(client, world):
    pid = world.parcel_in("surveyed")
    assert client.fire(pid, "plan", headers={"Idempotency-Key": "k-2"}).status_code == 200
    events = world.event_count()
    r = client.fire(pid, "plan", {"planned_use": "commercial"}, headers={"Idempotency-Key": "k-2"})
    assert r.status_code == 422 and r.get_json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert world.event_count() == events


def test_idempotent_survey_creates_one_parcel(client, world):
    from tests.api.test_chain_http import survey_body

    body = survey_body("IDEM-1")
    a = client.post("/api/v1/parcels", body, headers={"Idempotency-Key": "s-1"})
    b = client.post("/api/v1/parcels", body, headers={"Idempotency-Key": "s-1"})
    assert a.status_code == 201 and b.status_code == 201
    assert a.get_json()["parcel"]["id"] == b.get_json()["parcel"]["id"]
    r = client.get("/api/v1/parcels?code=IDEM-1")
    assert r.get_json()["total"] == 1


def _state_for(trigger: str) -> str:
    """A reachable state from which `trigger` is allowed (and succeeds with the factory's
    payload: collective land is supplied after expropriation)."""
    if trigger == "supply":
        return "expropriated"
    if trigger == "declare_idle":
        # Land never handed over is the government's delay, not the user's idleness
        # (闲置土地处置办法 第八条第(一)项): a user-cause determination needs it handed over.
        return "in_use"
    for state in REACHABLE:
        if trigger in {s.trigger for s in allowed_from(state)}:
            return state
    raise AssertionError(trigger)


@pytest.mark.parametrize("trigger", FIRABLE)
def test_role_by_transition_matrix(client, world, trigger):
    """Every role that the step table does not name gets 403 and writes nothing; the roles it
    names get past the role check."""
    step = next(s for s in STEPS if s.trigger == trigger)
    roles = [r.value for r in Role if r is not Role.system]
    forbidden = [r for r in roles if Role(r) not in step.roles]
    permitted = [r for r in roles if Role(r) in step.roles]
    pid = world.parcel_in(_state_for(trigger))
    before = world.event_count(pid)
    for role in forbidden:
        r = client.fire(pid, trigger, who=role)
        assert r.status_code == 403, (trigger, role, r.get_json())
        assert r.get_json()["code"] == "FORBIDDEN"
    assert world.event_count(pid) == before
    for role in permitted:
        # The portal moves only its own cases: it surveys the parcel itself.
        mine = {"actor": "portal"} if role == "portal" else {}
        other = world.parcel_in(_state_for(trigger), **mine)
        world.prepare(other, trigger)
        r = client.fire(other, trigger, who=role)
        assert r.status_code == 200, (trigger, role, r.get_json())


@pytest.mark.parametrize("trigger", [s.trigger for s in STEPS if s.sources])
def test_no_token_is_401(client, world, trigger):
    pid = world.parcel_in(_state_for(trigger))
    r = client.fire(pid, trigger, who=None)
    assert r.status_code == 401 and r.get_json()["code"] == "UNAUTHENTICATED"


def test_a_wrong_token_is_401(client, world):
    r = client.http.get("/api/v1/parcels", headers={"Authorization": "Bearer lf_nope"})
    assert r.status_code == 401


def test_survey_roles(client):
    from tests.api.test_chain_http import survey_body

    for i, role in enumerate(ROLES):
        r = client.post("/api/v1/parcels", survey_body(f"ROLE-{i}"), who=role)
        assert r.status_code == (201 if role in ("clerk", "portal") else 403), role


def test_role_for_matches_the_step_table():
    for step in STEPS:
        if step.sources:
            assert Role(role_for(step.trigger)) in step.roles
