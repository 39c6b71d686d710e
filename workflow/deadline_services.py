"""Listing legal clocks, and pausing and resuming one with a reason (e.g. a government cause):
each pause and resume is an audit event on the parcel's chain."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from .actors import Actor
from .audit import append_event
from .deadlines import deadline_view
from .errors import Forbidden, NotFound, ValidationFailed
from .models import Deadline, Parcel
from .repositories import find_township, lock_parcel
from .services import check_scope
from .uow import UnitOfWork

PAUSERS = ("approver",)


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


def _locked_deadline(uow: UnitOfWork, actor: Actor, deadline_id: int) -> tuple[Deadline, Parcel]:
    if actor.role not in PAUSERS:
        raise Forbidden({"role": actor.role})
    s = uow.session
    found = s.execute(select(Deadline.parcel_id).where(Deadline.id == deadline_id)).scalar()
    if found is None:
        raise NotFound({"what": f"期限 {deadline_id} / deadline {deadline_id}"})
    parcel = lock_parcel(s, found)
    check_scope(actor, parcel)
    d = s.get(Deadline, deadline_id, populate_existing=True)
    assert d is not None
    return d, parcel


def pause_deadline(uow: UnitOfWork, actor: Actor, deadline_id: int, on: date, reason: str
                   ) -> dict[str, Any]:
    with uow:
        d, parcel = _locked_deadline(uow, actor, deadline_id)
        if d.state != "open" or d.closed_on is not None:
            raise ValidationFailed({"state": [
                f"只能暂停进行中的期限 / only an open deadline can be paused (it is {d.state})"]})
        if on > uow.today() or on < d.opened_on:
            raise ValidationFailed({"date": ["暂停日期须在期限开始后且不晚于今天 / between the "
                                             "opening of the deadline and today"]})
        now = uow.now()
        ev = append_event(uow.session, stream=f"parcel:{parcel.id}", kind="record",
                          name="deadline_paused", parcel_id=parcel.id, from_state=parcel.state,
                          to_state=parcel.state, actor_id=actor.id, actor=actor.name,
                          role=actor.role, recorded_at=now, effective_date=on,
                          payload={"deadline_id": d.id, "kind": d.kind, "reason": reason})
        d.state, d.paused_since, d.pause_reason, d.updated_at = "paused", on, reason, now
        parcel.version += 1
        uow.emit("deadline.paused", parcel.id, {"deadline_id": d.id, "kind": d.kind,
                                                "since": on.isoformat(), "reason": reason},
                 audit_event_id=ev.id)
        view = deadline_view(d)
        uow.commit()
        return view


def resume_deadline(uow: UnitOfWork, actor: Actor, deadline_id: int, on: date
                    ) -> dict[str, Any]:
    """The clock runs on, its due date moved by the days it stood still."""
    with uow:
        d, parcel = _locked_deadline(uow, actor, deadline_id)
        if d.state != "paused" or d.paused_since is None:
            raise ValidationFailed({"state": [f"期限未暂停 / the deadline is not paused "
                                              f"(it is {d.state})"]})
        if on > uow.today() or on < d.paused_since:
            raise ValidationFailed({"date": ["恢复日期须在暂停之后且不晚于今天 / between the "
                                             "pause and today"]})
        stood = (on - d.paused_since).days
        now = uow.now()
        ev = append_event(uow.session, stream=f"parcel:{parcel.id}", kind="record",
                          name="deadline_resumed", parcel_id=parcel.id, from_state=parcel.state,
                          to_state=parcel.state, actor_id=actor.id, actor=actor.name,
                          role=actor.role, recorded_at=now, effective_date=on,
                          payload={"deadline_id": d.id, "kind": d.kind, "days_paused": stood})
        old_due = d.due_on
        d.due_on = old_due + timedelta(days=stood)
        d.explanation = (f"{d.explanation}; paused {d.paused_since.isoformat()}..{on.isoformat()}"
                         f" ({d.pause_reason}): +{stood} days → {d.due_on.isoformat()}")[:500]
        d.state, d.paused_since, d.updated_at = "open", None, now
        parcel.version += 1
        uow.emit("deadline.resumed", parcel.id, {"deadline_id": d.id, "kind": d.kind,
                                                 "due_on": d.due_on.isoformat()},
                 audit_event_id=ev.id)
        view = deadline_view(d)
        uow.commit()
        return view
