"""perf: outbox numbers by transaction id (64-bit cursors), county code leading the hot indexes

Revision ID: 0009_perf
Revises: 0009_stocks
Create Date: 2026-12-01 23:00:00+00:00

On PostgreSQL the outbox is no longer numbered under the ``outbox_counter`` row lock: an event's
number is ``(transaction id << 20) + ordinal`` (``workflow.models.outbox``), so webhook cursors and
delivery numbers become 64-bit. Numbers already given stay valid cursors as long as they lie
below the new range, which the upgrade checks. SQLite keeps the counter.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_perf'
down_revision: str | None = '0009_stocks'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOO_HIGH = (
    "outbox_events holds numbers at or above {lo} (= current transaction id << 20): new events, "
    "numbered by transaction id, would sort before them. / 已有事件序号高于新编号起点。")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        top, lo = bind.execute(sa.text(
            "SELECT coalesce(max(seq), 0), pg_current_xact_id()::text::bigint << 20 "
            "FROM outbox_events")).one()
        if top >= lo:
            raise RuntimeError(TOO_HIGH.format(lo=lo))
    if bind.dialect.name == "postgresql":
        # SQLite's INTEGER is 64-bit already: no table rebuild there.
        op.alter_column('webhook_subscriptions', 'cursor', existing_type=sa.Integer(),
                        type_=sa.BigInteger(), existing_nullable=False)
        op.alter_column('webhook_deliveries', 'event_seq', existing_type=sa.Integer(),
                        type_=sa.BigInteger(), existing_nullable=False)
    # County first on the hot lookups (docs/scaling.md); plain CREATE INDEX, no table rebuild.
    op.create_index('ix_parcels_county_state', 'parcels', ['county_code', 'state'])
    op.create_index('ix_parcels_approval_no', 'parcels', ['approval_no'])
    op.create_index('ix_farmland_credits_county_code_id', 'farmland_credits',
                    ['county_code', 'id'])


def downgrade() -> None:
    op.drop_index('ix_farmland_credits_county_code_id', table_name='farmland_credits')
    op.drop_index('ix_parcels_approval_no', table_name='parcels')
    op.drop_index('ix_parcels_county_state', table_name='parcels')
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('webhook_deliveries', 'event_seq', existing_type=sa.BigInteger(),
                        type_=sa.Integer(), existing_nullable=False)
        op.alter_column('webhook_subscriptions', 'cursor', existing_type=sa.BigInteger(),
                        type_=sa.Integer(), existing_nullable=False)
