"""The read side of the legal clocks: their view with labels, a parcel's open clocks, lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, tuple_
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


def state_on(as_of: date) -> Any:
    """A clock's state on ``as_of`` as SQL: its final state once closed by then; else paused if
    its current pause had begun; else breached if its due date had passed; else open. (A pause
    that ended before today has moved the due date already: such a clock reads as open.)"""
    return case(
        (and_(Deadline.closed_on.is_not(None), Deadline.closed_on <= as_of), Deadline.state),
        (and_(Deadline.state == "paused", Deadline.paused_since <= as_of), "paused"),
        (Deadline.due_on < as_of, "breached"),
        else_="open")


def _as_of_view(d: Deadline, state: str, as_of: date) -> dict[str, Any]:
    view = deadline_view(d)
    view["state"] = state
    for key in ("closed_on", "breached_on", "paused_since"):
        if view[key] is not None and view[key] > as_of.isoformat():
            view[key] = None
    if state == "breached" and view["breached_on"] is None:
        view["breached_on"] = (d.due_on + timedelta(days=1)).isoformat()
    return view


def _deadline_query(s: Session, actor: Actor, *, due_before: date | None, state: str | None,
                    kind: str | None, township: str | None, parcel_id: int | None,
                    as_of: date | None) -> tuple[Any, Any]:
    """The filtered clocks (with their state on ``as_of`` when given) and their count."""
    cond = []
    current = state_on(as_of) if as_of is not None else Deadline.state
    if as_of is not None:
        cond.append(Deadline.opened_on <= as_of)
    if due_before is not None:
        cond.append(Deadline.due_on < due_before)
    if state is not None:
        cond.append(current == state)
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
    q = select(Deadline, current.label("state_on")).join(
        Parcel, Parcel.id == Deadline.parcel_id).where(*cond)
    count = select(func.count()).select_from(Deadline).join(
        Parcel, Parcel.id == Deadline.parcel_id).where(*cond)
    if tid is not None:
        q, count = q.where(Parcel.township_id == tid), count.where(Parcel.township_id == tid)
    return q.order_by(Deadline.due_on, Deadline.id), count


def list_deadlines(uow: UnitOfWork, actor: Actor, *, due_before: date | None = None,
                   state: str | None = None, kind: str | None = None,
                   township: str | None = None, parcel_id: int | None = None,
                   as_of: date | None = None, page: int = 1, per_page: int = 50
                   ) -> dict[str, Any]:
    """Clocks, filtered; with ``as_of``, the clocks opened by that date in the state they were
    in on it (and ``state`` filters on that)."""
    with uow:
        s = uow.session
        q, count = _deadline_query(s, actor, due_before=due_before, state=state, kind=kind,
                                   township=township, parcel_id=parcel_id, as_of=as_of)
        total = s.execute(count).scalar_one()
        rows = s.execute(q.limit(per_page).offset((page - 1) * per_page)).all()
        items = [_as_of_view(d, st, as_of) if as_of is not None else deadline_view(d)
                 for d, st in rows]
        out: dict[str, Any] = {"items": items, "total": total, "page": page,
                               "per_page": per_page}
        if as_of is not None:
            out["as_of"] = as_of.isoformat()
        return out


DEADLINE_COLUMNS = (
    "id", "parcel_id", "kind", "label.zh", "label.en", "due_on", "state", "basis", "explanation",
    "opened_on", "closed_on", "breached_on", "paused_since", "pause_reason", "amount_yuan",
    "recovery_on")


def deadline_rows(uow: UnitOfWork, actor: Actor, *, batch: int = 2000, **filters: Any
                  ) -> Iterator[dict[str, Any]]:
    """Every clock of ``list_deadlines`` (no pages), read in batches as it is consumed. The
    filters are checked now, before the first row is asked for."""
    with uow:
        _deadline_query(uow.session, actor, **_filters(filters))
    as_of = filters.get("as_of")

    def rows() -> Iterator[dict[str, Any]]:
        with uow:
            q, _ = _deadline_query(uow.session, actor, **_filters(filters))
            last = None
            while True:
                page = q if last is None else q.where(
                    tuple_(Deadline.due_on, Deadline.id) > tuple_(*last))
                got = uow.session.execute(page.limit(batch)).all()
                for d, st in got:
                    yield _as_of_view(d, st, as_of) if as_of is not None else deadline_view(d)
                if len(got) < batch:
                    return
                last = (got[-1][0].due_on, got[-1][0].id)
                uow.session.expunge_all()

    return rows()


def _filters(filters: dict[str, Any]) -> dict[str, Any]:
    keys = ("due_before", "state", "kind", "township", "parcel_id", "as_of")
    return {k: filters.get(k) for k in keys}
