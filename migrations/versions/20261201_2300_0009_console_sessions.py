"""console sign-in: account passwords and server-side sessions

Revision ID: 0009_console
Revises: 0009_law_d
Create Date: 2026-12-01 23:00:00.000000+00:00

The browser console (``/console/``) signs people in by name and password: ``accounts`` gets an
argon2id ``password_hash`` (set by ``landflow users passwd``), and each sign-in is a row of
``console_sessions`` holding only the SHA-256 of the cookie's random token, with its expiry and
the moment it was signed out. The work queue gets a partial index on the running clocks in due
order (``ix_deadlines_queue``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_console'
down_revision: str | None = '0009_law_d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("password_hash", sa.String(length=200), nullable=True))
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_console_sessions_account_id_accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_console_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_console_sessions_token_hash"),
    )
    op.create_index("ix_console_sessions_account_id", "console_sessions", ["account_id"])
    # The work queue walks the running clocks in due order.
    running = sa.text("closed_on IS NULL AND state IN ('open', 'breached')")
    op.create_index("ix_deadlines_queue", "deadlines", ["due_on", "parcel_id"],
                    postgresql_where=running, sqlite_where=running)


def downgrade() -> None:
    op.drop_index("ix_deadlines_queue", table_name="deadlines")
    op.drop_index("ix_console_sessions_account_id", table_name="console_sessions")
    op.drop_table("console_sessions")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("password_hash")
