"""The read side of the legal clocks: their view with labels, a parcel's open clocks, lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.access import Actor, parcel_scope
from workflow.errors import ValidationFailed
from workflow.models import Deadline, Parcel
from workflow.models.repository import find_township
from workflow.uow import UnitOfWork

KIND_LABELS: dict[str, tuple[str, str]] = {
    "approval_lapse": ("批准文件有效期", "approval validity (2 years)"),
    "expropriation_announcement": ("征收土地公告期限", "expropriation announcement"),
    "payment_down": ("首期出让价款", "down payment"),
    "payment_balance": ("出让价款付清", "land price in full"),
    "agreed_start": ("约定动工日期", "agreed start of construction"),
    "idle_clock": ("闲置土地认定期限", "idle-land clock (fee at 1 year, recovery at 2)"),
    "agreed_completion": ("约定竣工日期", "agreed completion"),
    "registration": ("不动产登记办理时限", "registration time limit"),
    "idle_investigation": ("闲置土地调查期限", "idle-land investigation"),
    "idle_fee_payment": ("土地闲置费缴纳期限", "idle-land fee payment"),
    "temporary_use_end": ("临时使用期限", "government-arranged temporary use"),
}


def deadline_view(d: Deadline) -> dict[str, Any]:
    zh, en = KIND_LABELS.get(d.kind, (d.kind, d.kind))
    return {
        "id": d.id, "parcel_id": d.parcel_id, "kind": d.kind, "label": {"zh": zh, "en": en},
        "due_on": d.due_on.isoformat(), "state": d.state, "basis": d.basis,
        "explanation": d.explanation, "opened_on": d.opened_on.isoformat(),
        "closed_on": d.closed_on.isoformat() if d.closed_on else None,
        "breached_on": d.breached_on.isoformat() if d.breached_on else None,
        "paused_since": d.paused_since.isoformat() if d.paused_since else None,
        "pause_reason": d.pause_reason,
        "amount_yuan": str(d.amount_yuan) if d.amount_yuan is not None else None,
        "recovery_on": d.recovery_on.isoformat() if d.recovery_on else None,
    }


def open_deadlines_view(session: Session, parcel_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Deadline).where(Deadline.parcel_id == parcel_id, Deadline.state.in_(
            ("open", "paused", "breached")), Deadline.closed_on.is_(None))
        .order_by(Deadline.due_on, Deadline.id)
    ).scalars()
    return [deadline_view(d) for d in rows]


def list_deadlines(uow: UnitOfWork, actor: Actor, *, due_before: date | None = None,
                   state: str | None = None, kind: str | None = None,
                   township: str | None = None, parcel_id: int | None = None, page: int = 1,
                   per_page: int = 50) -> dict[str, Any]:
    with uow:
        s = uow.session
        cond = []
        if due_before is not None:
            cond.append(Deadline.due_on < due_before)
        if state is not None:
            cond.append(Deadline.state == state)
        if kind is not None:
            cond.append(Deadline.kind == kind)
        if parcel_id is not None:
            cond.append(Deadline.parcel_id == parcel_id)
        tid = actor.township_id
        if township is not None:
            t = find_township(s, township)
            if t is None:
                raise ValidationFailed({"township": ["未知的乡镇（街道） / unknown township"]})
            tid = t.id if tid is None or tid == t.id else -1
        cond.append(parcel_scope(actor))
        q = select(Deadline).join(Parcel, Parcel.id == Deadline.parcel_id).where(*cond)
        count = select(func.count()).select_from(Deadline).join(
            Parcel, Parcel.id == Deadline.parcel_id).where(*cond)
        if tid is not None:
            q, count = q.where(Parcel.township_id == tid), count.where(Parcel.township_id == tid)
        total = s.execute(count).scalar_one()
        rows = s.execute(q.order_by(Deadline.due_on, Deadline.id).limit(per_page)
                         .offset((page - 1) * per_page)).scalars()
        return {"items": [deadline_view(d) for d in rows], "total": total, "page": page,
                "per_page": per_page}
