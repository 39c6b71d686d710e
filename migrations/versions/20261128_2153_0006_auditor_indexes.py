"""auditor indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 21:53:41.314207+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column type (see workflow.models.base.Amount): NUMERIC on PostgreSQL, hundredths on SQLite.
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")


def upgrade() -> None:
    # Indexes for the auditor's as-of queries (workflow/audit_queries.py): covering indexes so
    # that cohort sums and stock counts read no table pages, partial indexes for clocks still
    # running and approvals never supplied, each clock's township beside it, and the parcel's
    # total area as a column of its own.
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('township_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_deadlines_township_id_townships'),
                                    'townships', ['township_id'], ['id'])
    op.execute("UPDATE deadlines SET township_id = "
               "(SELECT p.township_id FROM parcels p WHERE p.id = deadlines.parcel_id)")
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index('ix_deadlines_determined_on', ['determined_on'], unique=False,
                              postgresql_where=sa.text('determined_on IS NOT NULL'),
                              sqlite_where=sa.text('determined_on IS NOT NULL'))
        batch_op.create_index('ix_deadlines_kind_closed_on', ['kind', 'closed_on', 'due_on'],
                              unique=False,
                              postgresql_include=['id', 'opened_on', 'parcel_id', 'township_id'])
        batch_op.create_index('ix_deadlines_running', ['kind', 'due_on'], unique=False,
                              postgresql_include=['id', 'opened_on', 'parcel_id', 'township_id'],
                              postgresql_where=sa.text('closed_on IS NULL'),
                              sqlite_where=sa.text('closed_on IS NULL'))

    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('total_m2', AMOUNT, nullable=True))
    op.execute("UPDATE parcels SET total_m2 = farmland_m2 + other_agricultural_m2 + unused_m2 "
               "+ construction_m2")
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.alter_column('total_m2', existing_type=AMOUNT, nullable=False)
        batch_op.create_check_constraint(
            'total_is_sum',
            'total_m2 = farmland_m2 + other_agricultural_m2 + unused_m2 + construction_m2')
        batch_op.drop_index(batch_op.f('ix_parcels_approved_on'))
        cover = ['id', 'first_supplied_on', 'expropriated_on', 'closed_on', 'ownership',
                 'total_m2', 'construction_m2']
        stock = ['id', 'closed_on', 'township_id', 'ownership', 'expropriated_on', 'total_m2']
        # Partial: a parcel enters these indexes when it is approved (supplied), so surveys,
        # imports and early steps do not maintain them.
        approved = sa.text('approved_on IS NOT NULL')
        supplied = sa.text('first_supplied_on IS NOT NULL')
        batch_op.create_index('ix_parcels_approval_cover', ['approved_on'], unique=False,
                              postgresql_include=cover, postgresql_where=approved,
                              sqlite_where=approved)
        batch_op.create_index('ix_parcels_township_approval_cover',
                              ['township_id', 'approved_on'], unique=False,
                              postgresql_include=cover, postgresql_where=approved,
                              sqlite_where=approved)
        batch_op.create_index('ix_parcels_first_supplied_on', ['first_supplied_on', 'approved_on'],
                              unique=False, postgresql_include=stock, postgresql_where=supplied,
                              sqlite_where=supplied)
        batch_op.create_index(
            'ix_parcels_never_supplied', ['approved_on'], unique=False, postgresql_include=stock,
            postgresql_where=sa.text('first_supplied_on IS NULL AND approved_on IS NOT NULL'),
            sqlite_where=sa.text('first_supplied_on IS NULL AND approved_on IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_parcels_township_approval_cover')
        batch_op.drop_index('ix_parcels_never_supplied')
        batch_op.drop_index('ix_parcels_first_supplied_on')
        batch_op.drop_index('ix_parcels_approval_cover')
        batch_op.create_index(batch_op.f('ix_parcels_approved_on'), ['approved_on'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_parcels_total_is_sum'), type_='check')
        batch_op.drop_column('total_m2')

    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deadlines_township_id_townships'), type_='foreignkey')
        batch_op.drop_index('ix_deadlines_running')
        batch_op.drop_index('ix_deadlines_kind_closed_on')
        batch_op.drop_index('ix_deadlines_determined_on')
        batch_op.drop_column('township_id')

