"""Accounts (people and client systems) and their bearer tokens, stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.models.base import Base
from workflow.models.reference import Township


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            "role IN ('clerk', 'approver', 'auditor', 'portal', 'admin', 'system')", name="role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # The console's sign-in password, argon2id-hashed (``landflow users passwd``); none: the
    # account signs in with its bearer token only (through the API).
    password_hash: Mapped[str | None] = mapped_column(String(200))

    township: Mapped[Township | None] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship(lazy="joined")


class ConsoleSession(Base):
    """A signed-in console session, kept on the server: the browser holds only a random
    token whose SHA-256 is stored here. It ends at ``expires_at`` or when signed out
    (``ended_at``); a deactivated account's sessions end with it."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    client: Mapped[str] = mapped_column(String(64))
