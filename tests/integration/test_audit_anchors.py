"""The database keeps the audit trail append-only and its anchors moving forward, on SQLite as
on PostgreSQL: whatever the application (or a careless operator) sends."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.factories import World
from workflow.models import AuditEvent, AuditHead


@pytest.fixture
def world(runtime):
    return World(runtime)


def refused(runtime, sql, **params):
    conn = runtime.test_connection
    with pytest.raises(DBAPIError) as err, conn.begin_nested():
        conn.execute(text(sql), params)
    return str(err.value)


@pytest.mark.parametrize("sql", [
    "UPDATE audit_events SET actor = 'someone else'",
    "DELETE FROM audit_events",
    "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)",
])
def test_the_audit_trail_cannot_be_rewritten_on_either_database(runtime, world, sql):
    world.parcel_in("planned")
    assert "append-only" in refused(runtime, sql)


@pytest.mark.parametrize("sql", [
    "DELETE FROM audit_heads WHERE stream = :stream",
    "UPDATE audit_heads SET seq = seq - 1 WHERE stream = :stream",
    "UPDATE audit_heads SET hash = :forged WHERE stream = :stream",
])
def test_a_chain_head_never_moves_back(runtime, world, sql):
    stream = f"account:{world.actors['clerk'].id}"
    assert "only move forward" in refused(runtime, sql, stream=stream, forged="0" * 64)


@pytest.mark.parametrize("sql", [
    "UPDATE parcels SET audit_seq = audit_seq - 1 WHERE id = :pid",
    "UPDATE parcels SET audit_hash = :forged WHERE id = :pid",
])
def test_a_parcels_audit_tail_never_moves_back(runtime, world, sql):
    pid = world.parcel_in("planned")
    assert "only moves forward" in refused(runtime, sql, pid=pid, forged="0" * 64)


def test_every_stream_but_a_parcels_has_its_head_at_its_last_event(runtime, world):
    world.parcel_in("approved")
    with runtime.reader() as uow:
        s = uow.session
        heads = {h.stream: (h.seq, h.hash) for h in s.execute(select(AuditHead)).scalars()}
        tails: dict[str, tuple[int, str]] = {}
        for ev in s.execute(select(AuditEvent).order_by(AuditEvent.stream,
                                                        AuditEvent.stream_seq)).scalars():
            tails[ev.stream] = (ev.stream_seq, ev.hash)
    others = {k: v for k, v in tails.items() if not k.startswith("parcel:")}
    assert others and heads == others
    assert {k.split(":")[0] for k in heads} >= {"account", "quota_account", "farmland_credit"}
