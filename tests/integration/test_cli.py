"""The landflow command line, against the test database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from api import create_app
from tests.factories import World
from workflow.models import AuditEvent, PlanIndicator, Township


@pytest.fixture
def cli(runtime):
    app = create_app(runtime=runtime, testing=True)
    return app.test_cli_runner()


def tamper(runtime, backend, sql, **params):
    conn = runtime.test_connection
    if backend == "postgresql":
        # The audit table refuses UPDATE at the database level; a superuser can still switch
        # triggers off, which is exactly the kind of tampering verify must catch.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
    conn.execute(text(sql), params)
    if backend == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = origin"))


def test_audit_verify_passes_and_then_fails_after_one_event_is_tampered(cli, runtime, backend):
    world = World(runtime)
    pid = world.parcel_in("supplied")
    ok = cli.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "audit OK" in ok.output
    with runtime.reader() as uow:
        victim, seq = uow.session.execute(
            select(AuditEvent.id, AuditEvent.stream_seq)
            .where(AuditEvent.parcel_id == pid, AuditEvent.name == "approve")
        ).one()
    tamper(runtime, backend,
           "UPDATE audit_events SET effective_date = :d WHERE id = :id", d="2023-02-28",
           id=victim)
    broken = cli.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"parcel:{pid} #{seq} (event {victim})" in broken.output
    assert "hash does not match" in broken.output


def test_audit_verify_catches_a_deleted_event(cli, runtime, backend):
    world = World(runtime)
    pid = world.parcel_in("approved")
    with runtime.reader() as uow:
        first = uow.session.execute(
            select(AuditEvent.id).where(AuditEvent.parcel_id == pid, AuditEvent.name == "plan")
        ).scalar_one()
    tamper(runtime, backend, "DELETE FROM outbox_events WHERE audit_event_id = :id", id=first)
    tamper(runtime, backend, "DELETE FROM audit_events WHERE id = :id", id=first)
    broken = cli.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "sequence gap" in broken.output


def test_users_add_prints_the_token_alone_on_the_last_line(cli, runtime):
    r = cli.invoke(args=["users", "add", "wang.clerk", "--role", "clerk",
                         "--township", "黄水镇"])
    assert r.exit_code == 0, r.output
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("lf_") and " " not in token
    from workflow.accounts.services import authenticate

    actor = authenticate(runtime.reader(), token)
    assert actor.role == "clerk" and actor.township_id is not None
    again = cli.invoke(args=["users", "add", "wang.clerk", "--role", "clerk"])
    assert again.exit_code != 0 and "CONFLICT" in again.output


def test_users_add_refuses_an_unknown_role(cli):
    r = cli.invoke(args=["users", "add", "x", "--role", "emperor"])
    assert r.exit_code != 0


def test_seed_is_idempotent(cli, runtime):
    first = cli.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "0 rows added or changed" in first.output  # the test database is already seeded
    with runtime.reader() as uow:
        assert uow.session.execute(select(func.count()).select_from(Township)).scalar_one() == 33
        kinds = dict(uow.session.execute(
            select(Township.kind, func.count()).group_by(Township.kind)).all())
        assert kinds == {"街道": 3, "镇": 17, "乡": 13}
        cap = uow.session.execute(select(PlanIndicator).where(
            PlanIndicator.key == "new_construction_land_approved")).scalar_one()
        assert str(cap.target_2025) == "6.6700" and cap.cumulative


def test_diagram_prints_mermaid(cli):
    r = cli.invoke(args=["diagram"])
    assert r.exit_code == 0 and r.output.startswith("stateDiagram-v2")


def test_audit_verify_catches_the_last_event_of_a_chain_deleted(cli, runtime, backend):
    world = World(runtime)
    pid = world.parcel_in("approved")
    with runtime.reader() as uow:
        last = uow.session.execute(
            select(AuditEvent.id).where(AuditEvent.parcel_id == pid)
            .order_by(AuditEvent.stream_seq.desc()).limit(1)).scalar_one()
    tamper(runtime, backend, "DELETE FROM outbox_events WHERE audit_event_id = :id", id=last)
    tamper(runtime, backend, "DELETE FROM quota_entries WHERE audit_event_id = :id", id=last)
    tamper(runtime, backend, "DELETE FROM farmland_pairings WHERE audit_event_id = :id", id=last)
    tamper(runtime, backend, "DELETE FROM deadlines WHERE opened_event_id = :id", id=last)
    tamper(runtime, backend, "DELETE FROM audit_events WHERE id = :id", id=last)
    broken = cli.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "chain should end" in broken.output
