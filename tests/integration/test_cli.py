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
    # The audit table refuses UPDATE and DELETE at the database level; a superuser can still
    # switch triggers off (whoever holds a SQLite file can drop them and put them back), which
    # is exactly the kind of tampering verify must catch.
    if backend == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)
        conn.execute(text("SET LOCAL session_replication_role = origin"))
        return
    triggers = conn.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _ in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    conn.execute(text(sql), params)
    for _, create in triggers:
        conn.execute(text(create))


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


def _allocate(runtime, world, account_id, amount="100.00"):
    from workflow.ledgers import services as ledger_services
    from workflow.ledgers.schemas import AllocationSchema
    from workflow.payloads.fields import load

    body = load(AllocationSchema, {"amount_m2": amount, "document_no": "渝规资〔2026〕1号"})
    ledger_services.allocate_quota(runtime.uow(), world.actors["admin"], account_id, body)


def _last_event(runtime, stream):
    with runtime.reader() as uow:
        return uow.session.execute(
            select(AuditEvent.id, AuditEvent.stream_seq).where(AuditEvent.stream == stream)
            .order_by(AuditEvent.stream_seq.desc()).limit(1)).one()


def _delete_event(runtime, backend, event_id):
    for sql in ("DELETE FROM outbox_events WHERE audit_event_id = :id",
                "DELETE FROM quota_entries WHERE audit_event_id = :id",
                "DELETE FROM audit_events WHERE id = :id"):
        tamper(runtime, backend, sql, id=event_id)


def test_audit_verify_catches_the_last_event_of_a_ledger_chain_deleted(cli, runtime, backend):
    world = World(runtime)
    account = world.quota_accounts[2026]
    _allocate(runtime, world, account)
    assert cli.invoke(args=["audit", "verify"]).exit_code == 0
    stream = f"quota_account:{account}"
    last, seq = _last_event(runtime, stream)
    assert seq == 2
    _delete_event(runtime, backend, last)
    broken = cli.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1, broken.output
    assert f"{stream} #2" in broken.output and "chain should end at #2" in broken.output


def test_audit_verify_catches_a_whole_chain_deleted(cli, runtime, backend):
    world = World(runtime, ledgers=False)
    stream = f"account:{world.actors['clerk'].id}"
    only, _ = _last_event(runtime, stream)
    _delete_event(runtime, backend, only)
    broken = cli.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"{stream} #1" in broken.output, broken.output


@pytest.mark.parametrize("which", ["parcel", "ledger"])
def test_audit_verify_catches_a_last_event_rewritten_with_a_consistent_chain(
        cli, runtime, backend, which):
    """The last event replaced by another one, hashed properly onto the chain: every link
    holds, but the chain no longer ends with the event its anchor names."""
    from workflow.audit import compute_hash, event_body

    world = World(runtime)
    if which == "parcel":
        stream = f"parcel:{world.parcel_in('planned')}"
    else:
        stream = f"quota_account:{world.quota_accounts[2026]}"
    victim, _ = _last_event(runtime, stream)
    with runtime.reader() as uow:
        ev = uow.session.get(AuditEvent, victim)
        body = event_body(ev)
        body["effective_date"] = ev.effective_date.replace(day=1) if ev.effective_date.day != 1 \
            else ev.effective_date.replace(day=2)
        forged = compute_hash(ev.prev_hash, body)
        day = body["effective_date"].isoformat()
    tamper(runtime, backend, "UPDATE audit_events SET effective_date = :d, hash = :h "
           "WHERE id = :id", d=day, h=forged, id=victim)
    broken = cli.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1, broken.output
    assert stream in broken.output and "does not end with the event" in broken.output


@pytest.mark.parametrize("target", ["base", "0003"])
def test_db_upgrade_refuses_a_target_behind_the_database(cli, target):
    from workflow.operator.migrate import current_head

    r = cli.invoke(args=["db", "upgrade", "--revision", target])
    assert r.exit_code == 1, r.output
    assert f"never goes back to {target}" in r.output and "database at" not in r.output
    r = cli.invoke(args=["db", "upgrade"])
    assert r.exit_code == 0 and f"database at {current_head()} (head)" in r.output


def test_db_upgrade_names_an_unknown_revision_without_a_traceback(cli):
    r = cli.invoke(args=["db", "upgrade", "--revision", "nope"])
    assert r.exit_code == 1 and "nope" in r.output and r.exception is not None
    assert isinstance(r.exception, SystemExit)


def test_db_upgrade_to_a_revision_ahead_goes_there(tmp_path):
    from workflow.config import Settings
    from workflow.operator.migrate import database_revision
    from workflow.runtime import Runtime

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    fresh = Runtime.from_settings(Settings(database_url=url, secret_key="test-secret"))
    try:
        r = create_app(runtime=fresh, testing=True).test_cli_runner().invoke(
            args=["db", "upgrade", "--revision", "0003"])
    finally:
        fresh.engine.dispose()
    assert r.exit_code == 0 and "database at 0003:" in r.output, r.output
    assert database_revision(url) == "0003"
