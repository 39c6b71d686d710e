"""the law in force on the day: audit_events.law_set

Revision ID: 0009_law_d
Revises: 0008
Create Date: 2026-12-01 23:00:00+00:00

Each step is judged by the legal parameters in force on its effective date; its audit event
names that parameter set (``workflow.law.LawSet.id``: the set's first day and a digest of its
values). The column is part of the hashed content of an event when it is set, and absent from it
when it is NULL, so that every event written before this revision keeps its hash.

A plain ADD COLUMN on both backends: the table is not rebuilt, so SQLite keeps its append-only
triggers (0007). The downgrade refuses while any event records a law set: dropping the column
would break the hash chains of those events.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_law_d'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('audit_events', sa.Column('law_set', sa.String(length=64), nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    recorded = bind.execute(sa.text(
        "SELECT count(*) FROM audit_events WHERE law_set IS NOT NULL")).scalar_one()
    if recorded:
        raise RuntimeError(
            f"{recorded} audit events record the law set that judged them; the hash covers it, "
            "so dropping audit_events.law_set would break their chains. / 审计事件记录了适用的法律"
            "参数集，删除该列将破坏哈希链。")
    if bind.dialect.name == "sqlite":
        # SQLite >= 3.35 drops a column in place (no batch rebuild: the triggers stay).
        op.execute("ALTER TABLE audit_events DROP COLUMN law_set")
    else:
        op.drop_column('audit_events', 'law_set')
