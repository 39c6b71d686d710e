"""stocks are areas: the first supply's area, and the approvals it left partly unsupplied

Revision ID: 0009_stocks
Revises: 0008
Create Date: 2026-12-01 23:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_stocks'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column type (see workflow.models.base.Amount): NUMERIC on PostgreSQL, hundredths on SQLite.
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")
OLD_COVER = ['id', 'first_supplied_on', 'expropriated_on', 'closed_on', 'ownership', 'total_m2',
             'construction_m2']
COVER = [*OLD_COVER, 'first_supplied_m2']
STOCK = ['id', 'closed_on', 'township_id', 'ownership', 'expropriated_on', 'total_m2']
APPROVED = sa.text('approved_on IS NOT NULL')
PARTLY = sa.text('first_supplied_m2 < total_m2')


def _cover_indexes(batch_op: object, cover: list[str]) -> None:
    batch_op.create_index('ix_parcels_approval_cover', ['approved_on'], unique=False,  # type: ignore[attr-defined]
                          postgresql_include=cover, postgresql_where=APPROVED,
                          sqlite_where=APPROVED)
    batch_op.create_index('ix_parcels_township_approval_cover',  # type: ignore[attr-defined]
                          ['township_id', 'approved_on'], unique=False,
                          postgresql_include=cover, postgresql_where=APPROVED,
                          sqlite_where=APPROVED)


def upgrade() -> None:
    # RULES.md §3.1: approved = 批而未征 + 征而未供 + supplied, in area. The first supply's area
    # is what the approval had supplied; a parcel supplied before this revision is taken to
    # have been supplied in the area it records (its current supplied area, else all of it).
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_supplied_m2', AMOUNT, nullable=True))
    op.execute("UPDATE parcels SET first_supplied_m2 = coalesce(supplied_area_m2, total_m2) "
               "WHERE first_supplied_on IS NOT NULL")
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_parcels_township_approval_cover')
        batch_op.drop_index('ix_parcels_approval_cover')
        _cover_indexes(batch_op, COVER)
        batch_op.create_index('ix_parcels_partly_supplied', ['approved_on'], unique=False,
                              postgresql_include=[*STOCK, 'first_supplied_on',
                                                  'first_supplied_m2'],
                              postgresql_where=PARTLY, sqlite_where=PARTLY)


def downgrade() -> None:
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_parcels_partly_supplied')
        batch_op.drop_index('ix_parcels_township_approval_cover')
        batch_op.drop_index('ix_parcels_approval_cover')
        _cover_indexes(batch_op, OLD_COVER)
        batch_op.drop_column('first_supplied_m2')
