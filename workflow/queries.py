"""The read side for clerks and the portal: parcel lists, a parcel, its history and records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from .actors import Actor
from .deadlines import deadline_view
from .errors import ValidationFailed
from .models import AuditEvent, Deadline, Parcel, ParcelRecord
from .repositories import find_township, get_parcel
from .services import check_scope, full_view
from .uow import UnitOfWork
from .views import event_view, parcel_view, record_view


def list_parcels(uow: UnitOfWork, actor: Actor, *, state: str | None = None,
                 township: str | None = None, planned_use: str | None = None,
                 ownership: str | None = None, code: str | None = None,
                 page: int = 1, per_page: int = 50) -> dict[str, Any]:
    with uow:
        session = uow.session
        conditions = []
        if state:
            conditions.append(Parcel.state == state)
        if planned_use:
            conditions.append(Parcel.planned_use == planned_use)
        if ownership:
            conditions.append(Parcel.ownership == ownership)
        if code:
            conditions.append(Parcel.code == code)
        if township:
            t = find_township(session, township)
            if t is None:
                raise ValidationFailed({"township": ["未知的乡镇（街道） / unknown township"]})
            conditions.append(Parcel.township_id == t.id)
        if actor.township_id is not None:
            conditions.append(Parcel.township_id == actor.township_id)
        total = session.execute(
            select(func.count()).select_from(Parcel).where(*conditions)
        ).scalar_one()
        rows = session.execute(
            select(Parcel).where(*conditions).order_by(Parcel.id)
            .limit(per_page).offset((page - 1) * per_page)
        ).scalars().all()
        clocks: dict[int, list[dict[str, Any]]] = {}
        if rows:
            for d in session.execute(
                select(Deadline).where(Deadline.parcel_id.in_([p.id for p in rows]),
                                       Deadline.closed_on.is_(None),
                                       Deadline.state.in_(("open", "paused", "breached")))
                .order_by(Deadline.due_on, Deadline.id)
            ).scalars():
                clocks.setdefault(d.parcel_id, []).append(deadline_view(d))
        return {"items": [parcel_view(p, deadlines=clocks.get(p.id, [])) for p in rows],
                "total": total, "page": page, "per_page": per_page}


def read_parcel(uow: UnitOfWork, actor: Actor, parcel_id: int) -> dict[str, Any]:
    with uow:
        parcel = get_parcel(uow.session, parcel_id)
        check_scope(actor, parcel)
        return full_view(uow.session, parcel)


def parcel_history(uow: UnitOfWork, actor: Actor, parcel_id: int) -> dict[str, Any]:
    with uow:
        session = uow.session
        parcel = get_parcel(session, parcel_id)
        check_scope(actor, parcel)
        events = session.execute(
            select(AuditEvent).where(AuditEvent.stream == f"parcel:{parcel_id}")
            .order_by(AuditEvent.stream_seq)
        ).scalars().all()
        return {"parcel_id": parcel_id, "items": [event_view(e) for e in events]}


def parcel_records(uow: UnitOfWork, actor: Actor, parcel_id: int) -> dict[str, Any]:
    with uow:
        session = uow.session
        parcel = get_parcel(session, parcel_id)
        check_scope(actor, parcel)
        rows = session.execute(
            select(ParcelRecord).where(ParcelRecord.parcel_id == parcel_id)
            .order_by(ParcelRecord.occurred_on, ParcelRecord.id)
        ).scalars().all()
        return {"items": [record_view(r) for r in rows], "total": len(rows)}
