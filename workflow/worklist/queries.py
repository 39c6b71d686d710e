"""The console's read side: the work queue (待我办理) and everything a parcel's page shows.

The queue holds the parcels whose next step on the land chain is the signed-in role's to take
(the exceptional exits — reject, withdraw, lapse, declare idle — are on the parcel page, not in
the queue), inside the actor's scope (``workflow.access.parcel_scope``), ordered by the legal
clock: the nearest running deadline first, so overdue ones lead, then by days left; parcels
without a running clock come last.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from states import STAGES, STATE_STAGE, STEPS, ParcelState
from workflow.access import Actor, parcel_scope, visible_parcel
from workflow.audit import compute_hash, event_body
from workflow.canonical import money
from workflow.deadlines.queries import deadline_view
from workflow.errors import ValidationFailed
from workflow.ledgers.queries import entry_view
from workflow.models import (
    AuditEvent,
    Deadline,
    FarmlandPairing,
    Parcel,
    ParcelRecord,
    QuotaAccount,
    QuotaEntry,
    Township,
)
from workflow.models.repository import find_township
from workflow.queries import event_view, full_view, record_view
from workflow.uow import UnitOfWork

# The forward steps of the chain: what "the next step" of a parcel in each state is.
QUEUE_STEPS = ("plan", "approve", "expropriate", "supply", "hand_over", "start_construction",
               "inspect", "register", "resume", "recover")
RUNNING = ("open", "breached")
MAIN_STAGES = ("survey", "plan", "approve", "expropriate", "supply", "use", "build", "inspect",
               "register")


def next_steps(role: str) -> dict[str, list[str]]:
    """For ``role``: state → the forward steps it may take from there."""
    found: dict[str, list[str]] = {}
    for step in STEPS:
        if step.trigger in QUEUE_STEPS and role in step.roles:
            for source in step.sources:
                found.setdefault(source.value, []).append(step.trigger)
    return found


def work_queue(uow: UnitOfWork, actor: Actor, *, stage: str | None = None,
               township: str | None = None, planned_use: str | None = None,
               code: str | None = None, page: int = 1, per_page: int = 25) -> dict[str, Any]:
    steps = next_steps(actor.role)
    states = list(steps)
    if stage:
        if stage not in STAGES:
            raise ValidationFailed({"stage": ["未知的阶段 / unknown stage"]})
        states = [s for s in states if STATE_STAGE[ParcelState(s)] == stage]
    with uow:
        s = uow.session
        today = uow.today()
        conditions = [Parcel.state.in_(states), parcel_scope(actor)]
        if planned_use:
            conditions.append(Parcel.planned_use == planned_use)
        if code:
            conditions.append(Parcel.code.startswith(code, autoescape=True))
        if township:
            t = find_township(s, township)
            if t is None:
                raise ValidationFailed({"township": ["未知的乡镇（街道） / unknown township"]})
            conditions.append(Parcel.township_id == t.id)
        total = s.execute(select(func.count()).select_from(Parcel)
                          .where(*conditions)).scalar_one() if states else 0
        offset = (page - 1) * per_page
        if not states or offset >= total:
            ids: list[int] = []
        elif total <= SMALL_QUEUE:
            ids = _page_ids_grouped(s, conditions, offset, per_page)
        else:
            ids = _page_ids(s, conditions, offset, per_page)
        by_id = {r.id: r for r in s.execute(
            select(Parcel.id, Parcel.code, Parcel.state, Parcel.planned_use, Parcel.total_m2,
                   Township.name)
            .join(Township, Township.id == Parcel.township_id)
            .where(Parcel.id.in_(ids)))} if ids else {}
        rows = [by_id[i] for i in ids]
        nearest: dict[int, Deadline] = {}
        if rows:
            for d in s.execute(select(Deadline).where(
                    Deadline.parcel_id.in_([r.id for r in rows]), Deadline.closed_on.is_(None),
                    Deadline.state.in_(RUNNING)).order_by(Deadline.due_on, Deadline.id)
                    ).scalars():
                nearest.setdefault(d.parcel_id, d)
        items = []
        for r in rows:
            clock = nearest.get(r.id)
            items.append({
                "id": r.id, "code": r.code, "state": r.state, "township": r.name,
                "stage": STATE_STAGE[ParcelState(r.state)], "planned_use": r.planned_use,
                "area_m2": money(r.total_m2), "next_steps": steps[r.state],
                "deadline": None if clock is None else {
                    **deadline_view(clock), "days_left": (clock.due_on - today).days},
            })
        return {"items": items, "total": total, "page": page, "per_page": per_page,
                "today": today.isoformat()}


# Up to this many parcels match: their clocks are read and grouped (a narrow filter makes
# the walk along all running clocks of the county the slower way).
SMALL_QUEUE = 2000
# Clocks read at first by the walk (it widens fourfold while the page is not full).
WALK_FIRST = 100


def _page_ids_grouped(s: Any, conditions: list[Any], offset: int, limit: int) -> list[int]:
    """One page of a narrow queue: each matching parcel with its nearest running clock."""
    nearest = func.min(Deadline.due_on)
    return list(s.execute(
        select(Parcel.id)
        .outerjoin(Deadline, (Deadline.parcel_id == Parcel.id) & Deadline.closed_on.is_(None)
                   & Deadline.state.in_(RUNNING))
        .where(*conditions).group_by(Parcel.id)
        .order_by(nearest.is_(None), nearest, Parcel.id).offset(offset).limit(limit)
    ).scalars())


def _page_ids(s: Any, conditions: list[Any], offset: int, limit: int) -> list[int]:
    """The ids of one page of the queue: first the parcels with a running clock, by their
    nearest due date, then the others by id.

    The running clocks are walked in due order along their partial index
    (``ix_deadlines_queue``) and each parcel is kept at its first (nearest) clock, so a page
    reads about as many clocks as it shows parcels instead of grouping every running clock of
    the county; the walk widens until the page is full or the clocks run out."""
    wanted = offset + limit
    fetch = max(4 * wanted, WALK_FIRST)
    while True:
        rows = s.execute(
            select(Deadline.parcel_id)
            .join(Parcel, Parcel.id == Deadline.parcel_id)
            .where(Deadline.closed_on.is_(None), Deadline.state.in_(RUNNING), *conditions)
            .order_by(Deadline.due_on, Deadline.parcel_id).limit(fetch)).scalars().all()
        clocked = list(dict.fromkeys(rows))
        if len(clocked) >= wanted or len(rows) < fetch:
            break
        fetch *= 4
    ids = clocked[offset:wanted]
    if len(rows) < fetch and len(ids) < limit:
        # The clocks ran out: the page continues with the parcels that have none.
        running = select(Deadline.id).where(Deadline.parcel_id == Parcel.id,
                                            Deadline.closed_on.is_(None),
                                            Deadline.state.in_(RUNNING)).exists()
        ids += s.execute(select(Parcel.id).where(*conditions, ~running).order_by(Parcel.id)
                         .offset(max(0, offset - len(clocked)))
                         .limit(limit - len(ids))).scalars().all()
    return ids


def chain_verified(events: list[AuditEvent], parcel: Parcel) -> bool:
    """Whether the parcel's events chain: each hash recomputed from its content and the one
    before, numbered without gaps, and ending where the parcel row says its chain ends."""
    prev = None
    for n, ev in enumerate(events, start=1):
        if ev.stream_seq != n or ev.prev_hash != prev \
                or compute_hash(prev, event_body(ev)) != ev.hash:
            return False
        prev = ev.hash
    return (parcel.audit_seq or 0) == len(events) and parcel.audit_hash == prev


def parcel_page(uow: UnitOfWork, actor: Actor, parcel_id: int) -> dict[str, Any]:
    """The parcel with its deadlines, records, ledger postings and history (with whether its
    hash chain verifies); scope-checked like every read of a parcel."""
    with uow:
        s = uow.session
        parcel = visible_parcel(s, actor, parcel_id)
        view = full_view(s, parcel)
        events = list(s.execute(select(AuditEvent).where(
            AuditEvent.stream == f"parcel:{parcel_id}").order_by(AuditEvent.stream_seq)
        ).scalars())
        records = [record_view(r) for r in s.execute(
            select(ParcelRecord).where(ParcelRecord.parcel_id == parcel_id)
            .order_by(ParcelRecord.occurred_on, ParcelRecord.id)).scalars()]
        entries = []
        for e, account in s.execute(
                select(QuotaEntry, QuotaAccount).join(
                    QuotaAccount, QuotaAccount.id == QuotaEntry.account_id)
                .where(QuotaEntry.parcel_id == parcel_id).order_by(QuotaEntry.id)):
            entries.append({**entry_view(e), "account_name": account.name,
                            "account_year": account.year})
        pairings = [{
            "credit_id": x.credit_id, "area_m2": money(x.area_m2),
            "paddy_m2": money(x.paddy_m2), "occupied_grade": x.occupied_grade,
            "paired_on": x.paired_on.isoformat(),
            "released_on": x.released_on.isoformat() if x.released_on else None,
        } for x in s.execute(select(FarmlandPairing).where(
            FarmlandPairing.parcel_id == parcel_id).order_by(FarmlandPairing.id)).scalars()]
        stage = STATE_STAGE[ParcelState(parcel.state)]
        return {
            "parcel": view,
            "stage": stage,
            "stages": [STAGES[k] for k in MAIN_STAGES],
            "reached": _reached_stages(events),
            "history": [event_view(e) for e in events],
            "chain_verified": chain_verified(events, parcel),
            "records": records,
            "quota_entries": entries,
            "pairings": pairings,
        }


def _reached_stages(events: list[AuditEvent]) -> set[str]:
    reached = set()
    for e in events:
        if e.to_state:
            reached.add(STATE_STAGE[ParcelState(e.to_state)])
    return reached


def quota_balance_series(uow: UnitOfWork, actor: Actor, account_id: int
                         ) -> list[tuple[date, str]]:
    """The account's balance after each day's entries, oldest first (for the ledger page)."""
    from workflow.access import LEDGER_READERS, require

    require(actor, LEDGER_READERS)
    with uow:
        rows = uow.session.execute(
            select(QuotaEntry.effective_date, QuotaEntry.balance_after_m2)
            .where(QuotaEntry.account_id == account_id).order_by(QuotaEntry.id)).all()
    by_day: dict[date, str] = {}
    for day, balance in rows:
        by_day[day] = money(balance) or "0.00"
    return sorted(by_day.items())


def townships(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(code, name) of every township, for the filters."""
    with uow:
        return [(c, n) for c, n in uow.session.execute(
            select(Township.code, Township.name).order_by(Township.code))]


MAP_KINDS = ("land_use", "basic_farmland", "ecological_red_line", "development_boundary",
             "village_construction")
MAP_FEATURES_PER_KIND = 400
MAP_MARGIN_DEG = 0.003  # about 300 m around the parcel


def parcel_map(uow: UnitOfWork, actor: Actor, parcel_id: int) -> dict[str, Any]:
    """The parcel's boundary and, around it, the reference layers in force today (the
    county's own layers, served by Landflow: no external tile server)."""
    with uow:
        s = uow.session
        parcel = visible_parcel(s, actor, parcel_id)
        feature = None
        if parcel.geometry:
            feature = {"type": "Feature", "geometry": parcel.geometry,
                       "properties": {"code": parcel.code, "state": parcel.state}}
        layers: dict[str, Any] = {}
        box = (parcel.min_lon, parcel.min_lat, parcel.max_lon, parcel.max_lat)
        if all(v is not None for v in box):
            w, so, e, n = (float(v) for v in box if v is not None)
            bbox = (w - MAP_MARGIN_DEG, so - MAP_MARGIN_DEG, e + MAP_MARGIN_DEG,
                    n + MAP_MARGIN_DEG)
            layers = layer_features(s, bbox, uow.today())
        return {"parcel": feature, "layers": layers}


def layer_features(session: Any, bbox: tuple[float, float, float, float], on: date
                   ) -> dict[str, Any]:
    """Each reference layer in force on ``on``: its features meeting ``bbox``, as GeoJSON."""
    from shapely.geometry import mapping

    from workflow.models import LayerFeature
    from workflow.spatial.engines import SpatialEngine
    from workflow.spatial.overlay import all_in_force

    out: dict[str, Any] = {}
    for kind, dataset in all_in_force(session, on).items():
        if kind not in MAP_KINDS:
            continue
        rows = session.execute(
            select(LayerFeature.id, LayerFeature.land_class, LayerFeature.geom)
            .where(LayerFeature.version_id == dataset.id,
                   LayerFeature.max_lon >= bbox[0], LayerFeature.min_lon <= bbox[2],
                   LayerFeature.max_lat >= bbox[1], LayerFeature.min_lat <= bbox[3])
            .order_by(LayerFeature.id).limit(MAP_FEATURES_PER_KIND)).all()
        features = []
        for fid, land_class, geom in rows:
            shape = SpatialEngine.from_db(geom)
            if shape is None:
                continue
            features.append({"type": "Feature", "geometry": mapping(shape),
                             "properties": {"id": fid, "land_class": land_class}})
        out[kind] = {"type": "FeatureCollection", "version": dataset.version,
                     "features": features}
    return out


def parcel_features(uow: UnitOfWork, actor: Actor, parcel_ids: list[int]) -> dict[str, Any]:
    """The boundaries of the given parcels that the actor may see, as a FeatureCollection (the
    map of one page of an auditor's list)."""
    with uow:
        rows = uow.session.execute(
            select(Parcel.id, Parcel.code, Parcel.state, Parcel.geometry)
            .where(Parcel.id.in_(parcel_ids), parcel_scope(actor))).all() if parcel_ids else []
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g,
         "properties": {"parcel_id": i, "code": c, "state": st}}
        for i, c, st, g in rows if g]}
