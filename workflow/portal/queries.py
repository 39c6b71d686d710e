"""The case as the portal shows it (stage, legal clock, next step, certificates) and the event
feed."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select

from states import STAGES, STATE_LABELS, STATE_STAGE, STEP_BY_TRIGGER, ParcelState
from workflow.access import CASE_READERS, FEED_READERS, Actor, check_scope, not_found, require
from workflow.deadlines.calendar import add_working_days, working_days_between
from workflow.deadlines.queries import open_deadlines_view
from workflow.models import (
    Application,
    Certificate,
    OutboxEvent,
    Parcel,
    ParcelRecord,
    ServiceItem,
    outbox,
)
from workflow.portal.certificates import certificate_view
from workflow.uow import UnitOfWork

# The step the portal should expect next, on the ordinary path.
NEXT_STEP: dict[str, tuple[str, ...]] = {
    "surveyed": ("plan",), "planned": ("approve",), "approved": ("expropriate", "supply"),
    "expropriated": ("supply",), "supplied": ("hand_over",), "in_use": ("start_construction",),
    "under_construction": ("inspect",), "inspected": ("register",),
    "idle": ("resume", "recover"), "recovered": ("supply",),
}


def _mask_id(id_no: str) -> str:
    return id_no[:6] + "*" * 8 + id_no[-4:]


def read_application(uow: UnitOfWork, actor: Actor, portal_no: str) -> dict[str, Any]:
    require(actor, CASE_READERS)
    with uow:
        app = uow.session.execute(select(Application).where(
            Application.portal_no == portal_no)).scalar_one_or_none()
        if app is None:
            raise not_found(actor, f"申请 {portal_no} / application {portal_no}",
                            portal_no=portal_no)
        parcel = uow.session.get(Parcel, app.parcel_id)
        assert parcel is not None
        check_scope(actor, parcel)
        return case_view(uow, app)


def case_view(uow: UnitOfWork, app: Application) -> dict[str, Any]:
    s = uow.session
    parcel = s.get(Parcel, app.parcel_id)
    item = s.get(ServiceItem, app.item_code)
    assert parcel is not None and item is not None
    state = ParcelState(parcel.state)
    zh, en = STATE_LABELS[state]
    stage = STAGES[STATE_STAGE[state]]
    certs = s.execute(select(Certificate).where(Certificate.parcel_id == parcel.id)
                      .order_by(Certificate.id)).scalars()
    return {
        "portal_no": app.portal_no, "item_code": app.item_code,
        "item": {"zh": item.name_zh, "en": item.name_en},
        "applicant": {"type": app.applicant_type, "name": app.applicant_name,
                      "id_no": _mask_id(app.applicant_id_no)},
        "parcel_id": parcel.id, "parcel_code": parcel.code, "filed_on": app.filed_on.isoformat(),
        "state": parcel.state, "status": {"zh": zh, "en": en},
        "stage": {"key": stage.key, "zh": stage.zh, "en": stage.en},
        "version": parcel.version,
        "clock": _clock(uow, app, item, parcel),
        "next_steps": [{"transition": t, "zh": STEP_BY_TRIGGER[t].zh,
                        "en": STEP_BY_TRIGGER[t].en,
                        "by": [r.value for r in STEP_BY_TRIGGER[t].roles]}
                       for t in NEXT_STEP.get(parcel.state, ())],
        "deadlines": open_deadlines_view(s, parcel.id),
        "certificates": [certificate_view(c) for c in certs],
    }


def _clock(uow: UnitOfWork, app: Application, item: ServiceItem, parcel: Parcel
           ) -> dict[str, Any]:
    """The item's legal and committed time limits, counted in working days from the day after
    filing to the decision (or today), less the intervals the clock stood still (补正, 公告, 听证
    … recorded as clock_stopped / clock_resumed)."""
    s = uow.session
    records = s.execute(select(ParcelRecord).where(
        ParcelRecord.parcel_id == parcel.id,
        ParcelRecord.kind.in_(("clock_stopped", "clock_resumed")))
        .order_by(ParcelRecord.occurred_on, ParcelRecord.id)).scalars().all()
    decided = _decision_date(parcel)
    end = decided or uow.today()
    intervals: list[dict[str, Any]] = []
    open_from: date | None = None
    for r in records:
        if r.kind == "clock_stopped" and open_from is None:
            open_from = r.occurred_on
            reason = (r.details or {}).get("reason")
        elif r.kind == "clock_resumed" and open_from is not None:
            intervals.append({"from": open_from, "to": r.occurred_on, "reason": reason})
            open_from = None
    if open_from is not None:
        intervals.append({"from": open_from, "to": None, "reason": reason})
    paused = sum(working_days_between(i["from"], min(i["to"] or end, end))
                 for i in intervals if i["from"] < end)
    used = max(0, working_days_between(app.filed_on, end) - paused)
    legal_due = add_working_days(app.filed_on, item.legal_working_days + paused)
    committed_due = add_working_days(app.filed_on, item.committed_working_days + paused)
    return {
        "legal_limit_working_days": item.legal_working_days,
        "committed_limit_working_days": item.committed_working_days,
        "legal_basis": item.legal_basis,
        "days_used": used, "paused_working_days": paused,
        "legal_due_on": legal_due.isoformat(), "committed_due_on": committed_due.isoformat(),
        "running": decided is None and (open_from is None),
        "decided_on": decided.isoformat() if decided else None,
        "overdue": {"legal": used > item.legal_working_days,
                    "committed": used > item.committed_working_days},
        "paused_intervals": [{"from": i["from"].isoformat(),
                              "to": i["to"].isoformat() if i["to"] else None,
                              "reason": i["reason"]} for i in intervals],
    }


def _decision_date(parcel: Parcel) -> date | None:
    if parcel.approved_on is not None:
        return parcel.approved_on
    if parcel.state in ("rejected", "withdrawn"):
        return parcel.closed_on
    return None


def list_events(uow: UnitOfWork, actor: Actor, *, after: int = 0, limit: int = 100,
                types: list[str] | None = None) -> dict[str, Any]:
    """The outbox as a feed: strictly increasing ``seq``, nothing skipped: only events no
    in-flight transaction can still precede (``workflow.models.outbox``)."""
    require(actor, FEED_READERS)
    with uow:
        q = select(OutboxEvent).where(OutboxEvent.seq > after, outbox.readable())
        if actor.township_id is not None:
            # A township-bound reader follows its township's parcels, nothing county-wide.
            q = q.where(OutboxEvent.parcel_id.in_(
                select(Parcel.id).where(Parcel.township_id == actor.township_id)))
        if types:
            q = q.where(or_(*[OutboxEvent.type.startswith(t) for t in types]))
        rows = uow.session.execute(q.order_by(OutboxEvent.seq).limit(limit)).scalars().all()
        items = [event_item(e) for e in rows]
        return {"items": items, "next": items[-1]["seq"] if items else after}


def event_item(e: OutboxEvent) -> dict[str, Any]:
    return {"seq": e.seq, "type": e.type, "parcel_id": e.parcel_id,
            "occurred_at": e.occurred_at.isoformat(), "data": e.data}
