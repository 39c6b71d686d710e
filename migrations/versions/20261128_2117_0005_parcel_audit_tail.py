"""parcel audit tail

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 21:17:09.294516+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('audit_hash', sa.String(length=64), nullable=True))
    # Existing parcels: their chain's tail as it stands.
    op.execute("""
        UPDATE parcels SET
          audit_seq = coalesce((SELECT max(e.stream_seq) FROM audit_events e
                                WHERE e.stream = 'parcel:' || parcels.id), 0),
          audit_hash = (SELECT e.hash FROM audit_events e
                        WHERE e.stream = 'parcel:' || parcels.id
                        ORDER BY e.stream_seq DESC LIMIT 1)
    """)


def downgrade() -> None:
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_column('audit_hash')
        batch_op.drop_column('audit_seq')

