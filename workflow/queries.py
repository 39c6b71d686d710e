"""The read side for clerks and the portal: parcel lists, a parcel, its history and records."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from states import STAGES, STATE_LABELS, STATE_STAGE, ParcelState
from workflow.access import Actor, parcel_scope, visible_parcel
from workflow.canonical import money, plain
from workflow.context import StepContext
from workflow.deadlines.clocks import clocks_view
from workflow.deadlines.queries import deadline_view, open_deadlines_view
from workflow.errors import ValidationFailed
from workflow.models import AuditEvent, Deadline, Parcel, ParcelRecord
from workflow.models.parcel import BBox, in_bbox
from workflow.models.repository import find_township
from workflow.portal.certificates import certificate_view, current_certificate
from workflow.uow import UnitOfWork


def list_parcels(uow: UnitOfWork, actor: Actor, *, state: str | None = None,
                 township: str | None = None, planned_use: str | None = None,
                 ownership: str | None = None, code: str | None = None,
                 page: int = 1, per_page: int = 50, bbox: BBox | None = None
                 ) -> dict[str, Any]:
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
        if bbox is not None:
            conditions.extend(in_bbox(bbox))
        if township:
            t = find_township(session, township)
            if t is None:
                raise ValidationFailed({"township": ["未知的乡镇（街道） / unknown township"]})
            conditions.append(Parcel.township_id == t.id)
        conditions.append(parcel_scope(actor))
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
        parcel = visible_parcel(uow.session, actor, parcel_id)
        return full_view(uow.session, parcel)


def parcel_history(uow: UnitOfWork, actor: Actor, parcel_id: int) -> dict[str, Any]:
    with uow:
        session = uow.session
        visible_parcel(session, actor, parcel_id)
        events = session.execute(
            select(AuditEvent).where(AuditEvent.stream == f"parcel:{parcel_id}")
            .order_by(AuditEvent.stream_seq)
        ).scalars().all()
        return {"parcel_id": parcel_id, "items": [event_view(e) for e in events]}


def parcel_records(uow: UnitOfWork, actor: Actor, parcel_id: int) -> dict[str, Any]:
    with uow:
        session = uow.session
        visible_parcel(session, actor, parcel_id)
        rows = session.execute(
            select(ParcelRecord).where(ParcelRecord.parcel_id == parcel_id)
            .order_by(ParcelRecord.occurred_on, ParcelRecord.id)
        ).scalars().all()
        return {"items": [record_view(r) for r in rows], "total": len(rows)}


M2_PER_MU = Decimal("2000") / Decimal("3")  # 1 亩 = 666.67 m²


M2_PER_HA = Decimal("10000")


def mu(m2: Decimal) -> str:
    return str((m2 / M2_PER_MU).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def ha(m2: Decimal) -> str:
    return str((m2 / M2_PER_HA).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _d(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def parcel_view(p: Parcel, *, deadlines: list[dict[str, Any]] | None = None,
                certificate: dict[str, Any] | None = None) -> dict[str, Any]:
    state = ParcelState(p.state)
    zh, en = STATE_LABELS[state]
    stage = STAGES[STATE_STAGE[state]]
    total = p.total_m2
    view: dict[str, Any] = {
        "id": p.id,
        "code": p.code,
        "county_code": p.county_code,
        "township": {"code": p.township.code, "name": p.township.name},
        "ownership": p.ownership,
        "state": p.state,
        "state_label": {"zh": zh, "en": en},
        "stage": {"key": stage.key, "zh": stage.zh, "en": stage.en},
        "version": p.version,
        "surveyed_on": _d(p.surveyed_on),
        "last_effective_date": _d(p.last_effective_date),
        "land": {
            "farmland_m2": money(p.farmland_m2),
            "paddy_m2": money(p.paddy_m2),
            "farmland_grade": p.farmland_grade,
            "other_agricultural_m2": money(p.other_agricultural_m2),
            "unused_m2": money(p.unused_m2),
            "construction_m2": money(p.construction_m2),
            "total_m2": money(total),
            "total_mu": mu(total),
            "total_ha": ha(total),
            "converted_to_construction_m2": money(p.converted_to_construction_m2),
            "basis": p.land_basis,
        },
        "control_lines": {
            "basic_farmland_m2": money(p.basic_farmland_m2),
            "red_line_m2": money(p.red_line_m2),
            "in_development_boundary": p.in_development_boundary,
        },
        "geometry": p.geometry,
        "spatial": p.spatial,
        "planning": None,
        "approval": None,
        "expropriation": None,
        "supply": None,
        "construction": None,
        "inspection": None,
        "registration": None,
        "idle": None,
        "recovery": None,
        "closed_on": _d(p.closed_on),
        "deadlines": deadlines if deadlines is not None else [],
        "certificate": certificate,
    }
    if p.planned_use is not None:
        view["planning"] = {
            "planned_use": p.planned_use,
            "planning_conditions": p.planning_conditions,
            "major_project": p.major_project,
            "red_line_activity": p.red_line_activity,
            "planned_on": _d(p.planned_on),
        }
    if p.approved_on is not None:
        view["approval"] = {
            "approval_no": p.approval_no,
            "authority": p.approval_authority,
            "approved_on": _d(p.approved_on),
        }
    if p.expropriated_on is not None:
        view["expropriation"] = {
            "announced_on": _d(p.expropriation_announced_on),
            "expropriated_on": _d(p.expropriated_on),
        }
    if p.supplied_on is not None:
        view["supply"] = {
            "method": p.supply_method,
            "price_yuan": money(p.price_yuan),
            "term_years": p.term_years,
            "signed_on": _d(p.contract_signed_on),
            "agreed_start_date": _d(p.agreed_start_date),
            "agreed_completion_date": _d(p.agreed_completion_date),
            "land_user": p.land_user,
            "area_m2": money(p.supplied_area_m2),
            "supplied_on": _d(p.supplied_on),
            "handed_over_on": _d(p.handed_over_on),
        }
    if p.construction_started_on is not None:
        view["construction"] = {
            "permit_no": p.permit_no,
            "started_on": _d(p.construction_started_on),
        }
    if p.inspected_on is not None:
        view["inspection"] = {
            "actual_area_m2": money(p.actual_area_m2),
            "within_approved_boundary": p.within_approved_boundary,
            "planning_verified": p.planning_verified,
            "inspected_on": _d(p.inspected_on),
        }
    if p.registered_on is not None:
        view["registration"] = {"registered_on": _d(p.registered_on)}
    if p.idle_declared_on is not None:
        view["idle"] = {
            "cause": p.idle_cause,
            "determination_no": p.idle_determination_no,
            "declared_on": _d(p.idle_declared_on),
            "fee_yuan": money(p.idle_fee_yuan),
        }
    if p.recovered_on is not None:
        view["recovery"] = {
            "decision_no": p.recovery_decision_no,
            "recovered_on": _d(p.recovered_on),
        }
    return view


def event_view(ev: AuditEvent) -> dict[str, Any]:
    item: dict[str, Any] = {
        "seq": ev.id,
        "stream_seq": ev.stream_seq,
        "kind": ev.kind,
        "transition": ev.name if ev.kind in ("transition", "create") else None,
        "record": ev.name if ev.kind == "record" else None,
        "from_state": ev.from_state,
        "to_state": ev.to_state,
        "effective_date": ev.effective_date.isoformat(),
        "recorded_at": ev.recorded_at.isoformat(),
        "actor": ev.actor,
        "role": ev.role,
        "payload": ev.payload,
        "rule_results": ev.rule_results,
        "idempotency_key": ev.idempotency_key,
        "law_set": ev.law_set,
        "prev_hash": ev.prev_hash,
        "hash": ev.hash,
    }
    return item


def record_view(r: ParcelRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "parcel_id": r.parcel_id,
        "kind": r.kind,
        "date": r.occurred_on.isoformat(),
        "details": plain(r.details),
        "event_seq": r.event_id,
    }


def full_view(session: Any, parcel: Parcel, ctx: StepContext | None = None) -> dict[str, Any]:
    """The parcel with its open deadlines and its certificate. Inside a step, the clocks the
    step already holds are used instead of being read again."""
    session.flush()
    cert = current_certificate(session, parcel.id) if parcel.registered_on else None
    if ctx is not None and ctx.clocks is not None:
        deadlines = clocks_view(ctx)
    else:
        deadlines = open_deadlines_view(session, parcel.id)
    return parcel_view(parcel, deadlines=deadlines,
                       certificate=certificate_view(cert) if cert else None)


def _view_with_deadlines(uow: UnitOfWork, parcel: Parcel,
                         ctx: StepContext | None = None) -> dict[str, Any]:
    return full_view(uow.session, parcel, ctx)
