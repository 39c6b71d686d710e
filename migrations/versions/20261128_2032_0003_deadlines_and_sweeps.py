"""deadlines and sweeps

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 20:32:41.439986+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column type (see workflow.models.base.Amount): NUMERIC on PostgreSQL, hundredths on SQLite.
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")


def upgrade() -> None:
    op.create_table('sweep_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breached', sa.Integer(), nullable=False),
    sa.Column('idle_flagged', sa.Integer(), nullable=False),
    sa.Column('lapsed', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_runs'))
    )
    op.create_table('deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=False),
    sa.Column('explanation', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_event_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_event_id', sa.Integer(), nullable=True),
    sa.Column('breached_on', sa.Date(), nullable=True),
    sa.Column('paused_since', sa.Date(), nullable=True),
    sa.Column('pause_reason', sa.String(length=300), nullable=True),
    sa.Column('amount_yuan', AMOUNT, nullable=True),
    sa.Column('clock_start', sa.Date(), nullable=True),
    sa.Column('recovery_on', sa.Date(), nullable=True),
    sa.Column('cause', sa.String(length=16), nullable=True),
    sa.Column('determined_on', sa.Date(), nullable=True),
    sa.Column('determination_no', sa.String(length=64), nullable=True),
    sa.Column('sweep_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('open', 'met', 'breached', 'paused', 'cancelled')", name=op.f('ck_deadlines_state')),
    sa.CheckConstraint('closed_on IS NULL OR closed_on >= opened_on', name=op.f('ck_deadlines_closed_after_open')),
    sa.ForeignKeyConstraint(['closed_event_id'], ['audit_events.id'], name=op.f('fk_deadlines_closed_event_id_audit_events')),
    sa.ForeignKeyConstraint(['opened_event_id'], ['audit_events.id'], name=op.f('fk_deadlines_opened_event_id_audit_events')),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_deadlines_parcel_id_parcels')),
    sa.ForeignKeyConstraint(['sweep_run_id'], ['sweep_runs.id'], name=op.f('fk_deadlines_sweep_run_id_sweep_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadlines'))
    )
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index('ix_deadlines_kind_due_on', ['kind', 'due_on'], unique=False)
        batch_op.create_index('ix_deadlines_parcel_id_kind', ['parcel_id', 'kind'], unique=False)
        batch_op.create_index('ix_deadlines_state_due_on', ['state', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadlines_sweep_run_id'), ['sweep_run_id'], unique=False)

    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_supplied_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_parcels_approved_on', ['approved_on'], unique=False)
    # Existing parcels: their supply so far is their first supply.
    op.execute("UPDATE parcels SET first_supplied_on = supplied_on WHERE supplied_on IS NOT NULL")



def downgrade() -> None:
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_parcels_approved_on')
        batch_op.drop_column('first_supplied_on')

    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadlines_sweep_run_id'))
        batch_op.drop_index('ix_deadlines_state_due_on')
        batch_op.drop_index('ix_deadlines_parcel_id_kind')
        batch_op.drop_index('ix_deadlines_kind_due_on')

    op.drop_table('deadlines')
    op.drop_table('sweep_runs')
