"""The append-only audit trail: one hash-chained event per transition, record or posting."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base


class AuditEvent(Base):
    """One event in a hash chain (``stream``): ``hash = sha256(prev_hash + canonical JSON)``.

    Every parcel has its own stream (``parcel:<id>``); ledger accounts and other administrative
    objects have theirs. The unique ``(stream, stream_seq)`` pair makes a forked chain impossible
    even if two writers race.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("stream", "stream_seq"),
        Index("ix_audit_events_parcel_id_id", "parcel_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(String(64))
    stream_seq: Mapped[int]
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    actor: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime]
    effective_date: Mapped[date]
    payload: Mapped[dict[str, Any]]
    rule_results: Mapped[list[Any]]
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # The legal parameter set that judged the step (``workflow.law.LawSet.id``, the law in force
    # on ``effective_date``); None for events no rule judged (ledger and account administration)
    # and for events written before it was recorded. Hashed when set (``workflow.audit``).
    law_set: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Where each stream but a parcel's ends (a parcel's own row carries its chain's tail):
    the last event's number and hash. A chain walks cleanly after its last events are
    deleted; it no longer ends where its head says. Written only by ``append_event``; the
    database refuses to delete a head or move it back (migration 0007)."""

    __tablename__ = "audit_heads"

    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
