"""The unit of work: one session, one transaction, rolled back unless committed.

Only services open a unit of work and commit. Outbox events are collected during the work and
numbered at commit, under the ``outbox_counter`` row lock, so that feed order is commit order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from .clock import Clock
from .models import OutboxCounter, OutboxEvent


@dataclass
class PendingEvent:
    type: str
    parcel_id: int | None
    data: dict[str, Any]
    audit_event_id: int | None = None


# Every change takes its outbox numbers here: a constant statement, compiled once.
_TAKE_SEQ = text("UPDATE outbox_counter SET last_seq = last_seq + :n WHERE id = 1 "
                 "RETURNING last_seq")


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 secret_key: str = "") -> None:
        self._session_factory = session_factory
        self.clock = clock
        # The server secret, for what must be derived with it (certificate codes).
        self.secret_key = secret_key
        self._session: Session | None = None
        self._pending: list[PendingEvent] = []
        self.committed = False

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        self._pending = []
        self.committed = False
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if not self.committed:
                self.session.rollback()
        finally:
            self.session.close()
            self._session = None

    def today(self) -> date:
        return self.clock.today()

    def now(self) -> datetime:
        return self.clock.now()

    def emit(self, type: str, parcel_id: int | None, data: dict[str, Any],
             audit_event_id: int | None = None) -> PendingEvent:
        event = PendingEvent(type, parcel_id, data, audit_event_id)
        self._pending.append(event)
        return event

    @property
    def pending_events(self) -> list[PendingEvent]:
        return list(self._pending)

    def _flush_outbox(self) -> None:
        if not self._pending:
            return
        n = len(self._pending)
        # The row lock on the counter is held from here to COMMIT: numbering is serialised, and
        # no transaction can commit a smaller number after a larger one became visible.
        last = self.session.execute(_TAKE_SEQ, {"n": n}).scalar_one()
        first = last - n + 1
        occurred = self.now()
        # A plain multi-row INSERT: the outbox rows are never used as objects afterwards.
        self.session.execute(insert(OutboxEvent), [
            {"seq": first + offset, "type": ev.type, "parcel_id": ev.parcel_id,
             "audit_event_id": ev.audit_event_id, "occurred_at": occurred, "data": ev.data}
            for offset, ev in enumerate(self._pending)])
        self._pending = []

    def commit(self) -> None:
        self.session.flush()
        self._flush_outbox()
        self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        self._pending = []
        self.session.rollback()


def outbox_last_seq(session: Session) -> int:
    return session.execute(select(OutboxCounter.last_seq).where(OutboxCounter.id == 1)).scalar_one()
