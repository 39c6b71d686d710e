"""Pausing and resuming a legal clock by hand, with a reason (e.g. a government cause).

Both go through the service's one door as records (``deadline_paused``, ``deadline_resumed``)
of the clock's parcel: the same lock, scope, version, idempotency and audit as every other
change to a parcel.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from states.records import record_kind
from workflow import services
from workflow.access import Actor, not_found, require
from workflow.models import Deadline
from workflow.uow import UnitOfWork


def _parcel_of(uow: UnitOfWork, actor: Actor, kind: str, deadline_id: int) -> int:
    require(actor, tuple(record_kind(kind).roles))
    with uow:
        found = uow.session.execute(
            select(Deadline.parcel_id).where(Deadline.id == deadline_id)).scalar()
    if found is None:
        raise not_found(actor, f"期限 {deadline_id} / deadline {deadline_id}",
                        deadline_id=deadline_id)
    return found


def _clock_change(uow: UnitOfWork, actor: Actor, kind: str, deadline_id: int, on: date,
                  details: dict[str, Any], idempotency_key: str | None) -> dict[str, Any]:
    parcel_id = _parcel_of(uow, actor, kind, deadline_id)
    outcome, _ = services.add_record(
        uow, parcel_id, {"kind": kind, "date": on, "details": {"deadline_id": deadline_id,
                                                              **details}},
        actor, idempotency_key=idempotency_key)
    return next(d for d in outcome["parcel"]["deadlines"] if d["id"] == deadline_id)


def pause_deadline(uow: UnitOfWork, actor: Actor, deadline_id: int, on: date, reason: str, *,
                   idempotency_key: str | None = None) -> dict[str, Any]:
    return _clock_change(uow, actor, "deadline_paused", deadline_id, on, {"reason": reason},
                         idempotency_key)


def resume_deadline(uow: UnitOfWork, actor: Actor, deadline_id: int, on: date, *,
                    idempotency_key: str | None = None) -> dict[str, Any]:
    """The clock runs on, its due date moved by the days it stood still."""
    return _clock_change(uow, actor, "deadline_resumed", deadline_id, on, {}, idempotency_key)
