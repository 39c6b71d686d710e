"""The outbox: events for the portal feed and webhooks, written in the changing transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base


class OutboxEvent(Base):
    """``seq`` comes from ``outbox_counter`` taken under a row lock at commit time, so sequence
    order is commit order: a consumer that remembers its cursor can never skip an event that
    commits later with a smaller number."""

    __tablename__ = "outbox_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40), index=True)
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"), index=True)
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    occurred_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]


class OutboxCounter(Base):
    __tablename__ = "outbox_counter"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
