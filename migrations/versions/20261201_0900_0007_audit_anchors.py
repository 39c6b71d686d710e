"""audit anchors

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00.000000+00:00

Each audit chain's end is anchored outside the chain, so that deleting its last events is
detected (``landflow audit verify``): a parcel's on its row (since 0005), every other stream's
(quota_account:, farmland_credit:, land_ticket:, account:, webhook:, webhook_host:) in the new
``audit_heads`` table, filled here from the chains as they stand.

The database keeps the anchors and the trail honest on both backends: on SQLite (which had no
protection) audit_events refuses UPDATE and DELETE as on PostgreSQL since 0004; on both, a head
is never deleted and never moves back, nor does a parcel's ``audit_seq``/``audit_hash``.

SQLite drops a table's triggers with the table: a later migration that rebuilds parcels,
audit_events or audit_heads in batch mode must create them again
(tests/migrations/test_migrations.py checks that they exist at head).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
INSERT INTO audit_heads (stream, seq, hash)
SELECT e.stream, e.stream_seq, e.hash FROM audit_events e
WHERE e.stream NOT LIKE 'parcel:%'
  AND e.stream_seq = (SELECT max(x.stream_seq) FROM audit_events x WHERE x.stream = e.stream)
"""

PG_FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION landflow_audit_head_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'audit_heads only move forward (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.stream <> OLD.stream OR NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'audit_heads only move forward (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION landflow_parcel_audit_tail_forward() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a parcel''s audit tail only moves forward (UPDATE refused)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
""",
]

PG_TRIGGERS = [
    "CREATE TRIGGER audit_heads_forward BEFORE UPDATE OR DELETE ON audit_heads "
    "FOR EACH ROW EXECUTE FUNCTION landflow_audit_head_forward()",
    "CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads "
    "FOR EACH STATEMENT EXECUTE FUNCTION landflow_audit_head_forward()",
    "CREATE TRIGGER parcels_audit_tail_forward BEFORE UPDATE OF audit_seq, audit_hash ON parcels "
    "FOR EACH ROW WHEN (NEW.audit_seq < OLD.audit_seq OR (NEW.audit_seq = OLD.audit_seq "
    "AND NEW.audit_hash IS DISTINCT FROM OLD.audit_hash)) "
    "EXECUTE FUNCTION landflow_parcel_audit_tail_forward()",
]

SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN "
    "SELECT RAISE(ABORT, 'audit_events is append-only (UPDATE refused)'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN "
    "SELECT RAISE(ABORT, 'audit_events is append-only (DELETE refused)'); END",
    "CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads BEGIN "
    "SELECT RAISE(ABORT, 'audit_heads only move forward (DELETE refused)'); END",
    "CREATE TRIGGER audit_heads_forward BEFORE UPDATE ON audit_heads "
    "WHEN NEW.stream <> OLD.stream OR NEW.seq <= OLD.seq BEGIN "
    "SELECT RAISE(ABORT, 'audit_heads only move forward (UPDATE refused)'); END",
    "CREATE TRIGGER parcels_audit_tail_forward BEFORE UPDATE OF audit_seq, audit_hash ON parcels "
    "WHEN NEW.audit_seq < OLD.audit_seq OR (NEW.audit_seq = OLD.audit_seq "
    "AND NEW.audit_hash IS NOT OLD.audit_hash) BEGIN "
    "SELECT RAISE(ABORT, 'a parcel''s audit tail only moves forward (UPDATE refused)'); END",
]

SQLITE_TRIGGER_NAMES = ["audit_events_no_update", "audit_events_no_delete",
                        "audit_heads_no_delete", "audit_heads_forward",
                        "parcels_audit_tail_forward"]


def upgrade() -> None:
    op.create_table('audit_heads',
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('stream', name=op.f('pk_audit_heads'))
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_FUNCTIONS + PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS parcels_audit_tail_forward ON parcels")
        op.execute("DROP TRIGGER IF EXISTS audit_heads_no_truncate ON audit_heads")
        op.execute("DROP TRIGGER IF EXISTS audit_heads_forward ON audit_heads")
        op.execute("DROP FUNCTION IF EXISTS landflow_parcel_audit_tail_forward()")
        op.execute("DROP FUNCTION IF EXISTS landflow_audit_head_forward()")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('audit_heads')
