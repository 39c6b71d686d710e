"""Migrations create the whole schema on an empty database, and agree with the models."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import workflow.models  # noqa: F401 - fills the metadata
from tests.conftest import _create_pg_database, _drop_pg_database, pg_url
from workflow.models.base import Base
from workflow.models.spatial import managed_outside_metadata
from workflow.operator.migrate import current_head, upgrade
from workflow.runtime import make_engine

# What keeps the audit trail append-only and its anchors moving forward (0004, 0007). SQLite
# drops a table's triggers with it: a migration rebuilding one of these tables in batch mode
# must create them again.
TRIGGERS = {
    "sqlite": {"audit_events_no_update", "audit_events_no_delete", "audit_heads_no_delete",
               "audit_heads_forward", "parcels_audit_tail_forward"},
    "postgresql": {"audit_events_no_update_delete", "audit_events_no_truncate",
                   "audit_heads_forward", "audit_heads_no_truncate",
                   "parcels_audit_tail_forward"},
}


def _triggers(conn) -> set[str]:
    if conn.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return set(conn.execute(text(sql)).scalars())


def _check(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": False,
                "include_name": lambda name, type_, _: not managed_outside_metadata(name, type_)})
            diff = compare_metadata(ctx, Base.metadata)
            assert diff == [], diff
            assert ctx.get_current_revision() == current_head()
            tables = set(inspect(conn).get_table_names())
            assert set(Base.metadata.tables) <= tables
            assert TRIGGERS[conn.dialect.name] <= _triggers(conn)
    finally:
        engine.dispose()


def test_upgrade_head_on_an_empty_sqlite_database_matches_the_models(tmp_path):
    _check(f"sqlite:///{tmp_path / 'empty.sqlite3'}")


@pytest.mark.postgres_only
def test_upgrade_head_on_an_empty_postgresql_database_matches_the_models():
    base = pg_url()
    assert base is not None
    name = f"landflow_migr_{uuid.uuid4().hex[:8]}"
    url = _create_pg_database(base, name)
    try:
        _check(url)
    finally:
        _drop_pg_database(base, name)


def test_revision_files_do_not_import_live_models():
    from pathlib import Path

    for path in (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import workflow" not in text and "from workflow" not in text, path.name


def test_every_migration_downgrades_and_upgrades_again(tmp_path):
    from alembic import command

    from workflow.operator.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    _check(url)


def test_the_anchors_migration_puts_each_chain_head_where_its_chain_ends(tmp_path):
    url = f"sqlite:///{tmp_path / 'anchors.sqlite3'}"
    upgrade(url, "0006")
    engine = make_engine(url)
    insert = text(
        "INSERT INTO audit_events (stream, stream_seq, kind, name, actor, role, recorded_at, "
        "effective_date, payload, rule_results, prev_hash, hash) VALUES (:stream, :seq, "
        "'admin', 'x', 'operator', 'admin', '2026-01-01 00:00:00', '2026-01-01', '{}', '[]', "
        ":prev, :hash)")
    try:
        with engine.begin() as conn:
            for stream, n in (("account:1", 2), ("quota_account:7", 3)):
                for seq in range(1, n + 1):
                    conn.execute(insert, {"stream": stream, "seq": seq,
                                          "prev": f"{stream}#{seq - 1}" if seq > 1 else None,
                                          "hash": f"{stream}#{seq}"})
        upgrade(url)
        with engine.connect() as conn:
            heads = set(conn.execute(text("SELECT stream, seq, hash FROM audit_heads")).all())
        assert heads == {("account:1", 2, "account:1#2"),
                         ("quota_account:7", 3, "quota_account:7#3")}
    finally:
        engine.dispose()
