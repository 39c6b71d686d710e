"""certificate serials per year

Revision ID: 0009_ops_a
Revises: 0009_ops_b
Create Date: 2026-12-01 23:00:00.000000+00:00

Certificate numbers restart each year (渝(2025)石柱县不动产权第0000001号): the last serial
issued per county and year is kept in ``certificate_serials`` and taken with one upsert when a
certificate is issued. Certificates already issued keep their numbers (they were numbered by
row id); each year's counter starts after the highest serial that year already has, so that no
number is ever issued twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_ops_a'
down_revision: str | None = '0009_ops_b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: the number format as issued up to this revision.
NUMBER = re.compile(r"^渝\((\d{4})\).*第(\d+)号$")


def upgrade() -> None:
    serials = op.create_table(
        'certificate_serials',
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_serial', sa.Integer(), nullable=False),
        sa.CheckConstraint('last_serial >= 1', name=op.f('ck_certificate_serials_positive')),
        sa.ForeignKeyConstraint(['county_code'], ['counties.code'],
                                name=op.f('fk_certificate_serials_county_code_counties')),
        sa.PrimaryKeyConstraint('county_code', 'year', name=op.f('pk_certificate_serials')),
    )
    rows = op.get_bind().execute(sa.text(
        "SELECT p.county_code, c.number FROM certificates c "
        "JOIN parcels p ON p.id = c.parcel_id")).all()
    highest: dict[tuple[str, int], int] = {}
    for county, number in rows:
        m = NUMBER.match(number)
        if m:
            key = (county, int(m.group(1)))
            highest[key] = max(highest.get(key, 0), int(m.group(2)))
    if highest:
        op.bulk_insert(serials, [{"county_code": c, "year": y, "last_serial": n}
                                 for (c, y), n in sorted(highest.items())])


def downgrade() -> None:
    op.drop_table('certificate_serials')
