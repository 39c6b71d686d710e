"""The auditor's read side: idle land, approved-but-unsupplied land and the plan's indicators,
"as of" any date.

Every answer is computed from effective dates (milestones on the parcel, clocks with their
opened/closed dates), so the past is reproducible: an event dated after ``as_of`` never changes
the answer for ``as_of``, and a backdated event changes it only from its own date on.

Categories (RULES.md §3.1, working definitions, version 1):
- 批而未征 ``approved_unexpropriated``: collective land approved by ``as_of``, not yet expropriated;
- 征而未供 ``expropriated_unsupplied``: expropriated by ``as_of``, not yet supplied;
- 批而未供 ``approved_unsupplied``: approved, not yet supplied (a lapsed approval leaves the base);
- 供而未用 ``supplied_unused``: supplied, the agreed start date passed, construction not started.

Stocks are areas, not parcels (§3.1: approved = 批而未征 + 征而未供 + supplied): a first supply
of part of an approval moves that part (``first_supplied_m2``) out of 批而未供 on its date, and
the rest stays — in 征而未供 when the land was expropriated. A re-supply after recovery changes
no stock (the approval was supplied once).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, extract, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, load_only

from workflow import law
from workflow.access import AUDIT_READERS, Actor, require
from workflow.canonical import money
from workflow.deadlines.calendar import add_years
from workflow.deadlines.idle import read_idle_clock
from workflow.errors import ValidationFailed
from workflow.models import County, Deadline, LandTicket, Parcel, PlanIndicator, StockFlow, Township
from workflow.models.flows import AREAS, FIELDS
from workflow.models.parcel import BBox, in_bbox
from workflow.models.repository import find_township
from workflow.models.sql import amount
from workflow.reports.exports import Table
from workflow.uow import UnitOfWork

CATEGORY_LABELS = {
    "approved_unexpropriated": "批而未征", "expropriated_unsupplied": "征而未供",
    "approved_unsupplied": "批而未供", "supplied_unused": "供而未用",
}
DEFINITION_VERSION = 1
ZERO = Decimal("0.00")
KM2 = Decimal("1000000")
# Rows an export reads at a time.
EXPORT_BATCH = 1000


def _township_id(session: Session, township: str | None, actor: Actor) -> int | None:
    """The township a report is cut to: the one asked for, within the caller's own when it is
    bound to one (another township's rows are then none of its business: an empty report)."""
    bound = actor.township_id
    if township is None:
        return bound
    t = find_township(session, township)
    if t is None:
        raise ValidationFailed({"township": ["未知的乡镇（街道） / unknown township"]})
    return t.id if bound is None or bound == t.id else -1


def _total_area() -> Any:
    return Parcel.total_m2


def _first_supply() -> Any:
    """The area of the approval its first supply covered."""
    return func.coalesce(Parcel.first_supplied_m2, Parcel.total_m2)


def _supplied_area(as_of: date, *, before: bool = False) -> Any:
    """The approved area supplied by ``as_of`` (before it, with ``before``)."""
    by = Parcel.first_supplied_on < as_of if before else Parcel.first_supplied_on <= as_of
    return amount(case((by, _first_supply()), else_=literal(0)))


def _unsupplied_area(as_of: date, *, before: bool = False) -> Any:
    """The approved area not yet supplied on ``as_of`` (批而未供, in m²)."""
    return amount(Parcel.total_m2 - _supplied_area(as_of, before=before))


def _converted_area() -> Any:
    return amount(Parcel.total_m2 - Parcel.construction_m2)


def _ratio(num: Decimal, den: Decimal) -> str | None:
    if den <= 0:
        return None
    return str((num / den).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _flow_sums(s: Session, as_of: date, township_id: int | None, *,
               cohort: int | None = None, by_cohort: bool = False) -> Any:
    """The stock deltas (``workflow.reports.flows``) summed up to ``as_of``: the stocks as of
    that date, per approval cohort or in all."""
    cols = [(amount(func.coalesce(func.sum(getattr(StockFlow, f)), 0)) if f in AREAS else
             func.coalesce(func.sum(getattr(StockFlow, f)), 0)).label(f) for f in FIELDS]
    jan1, month1 = date(as_of.year, 1, 1), as_of.replace(day=1)
    # Whole years before as_of's, whole months of its year before its month, its month's days.
    q = select(*cols).where(or_(
        and_(StockFlow.grain == "Y", StockFlow.day < jan1),
        and_(StockFlow.grain == "M", StockFlow.day >= jan1, StockFlow.day < month1),
        and_(StockFlow.grain == "D", StockFlow.day >= month1, StockFlow.day <= as_of)))
    if township_id is not None:
        q = q.where(StockFlow.township_id == township_id)
    if cohort is not None:
        q = q.where(StockFlow.cohort == cohort)
    if by_cohort:
        q = q.add_columns(StockFlow.cohort).group_by(StockFlow.cohort).order_by(
            StockFlow.cohort)
        return s.execute(q).all()
    return s.execute(q).one()


# --- idle land ---------------------------------------------------------------------------------


# A page that starts this far into a list of clocks is cut from one ordered scan; further in,
# from the two ranges of ``running_on`` (each read whole, then sorted).
ORDERED_SCAN_ROWS = 1000


def running_on(kind: str, as_of: date, *, due_before: bool = False,
               township_id: int | None = None, ordered: bool = False) -> Any:
    """``kind`` clocks running on ``as_of`` and due by then (or before it): (deadline_id,
    due_on, parcel_id), as two index-only ranges — clocks still running, and clocks that
    closed after ``as_of``. ``ordered``: as one scan of ``ix_deadlines_kind_due_on`` in
    (due_on, id) order instead, which a page near the start of the list stops early."""
    due = Deadline.due_on < as_of if due_before else Deadline.due_on <= as_of
    cols = (Deadline.id.label("deadline_id"), Deadline.due_on.label("due_on"),
            Deadline.parcel_id.label("parcel_id"))
    if ordered:
        q = select(*cols).where(Deadline.kind == kind, due, Deadline.opened_on <= as_of,
                                or_(Deadline.closed_on.is_(None), Deadline.closed_on > as_of))
        if township_id is not None:
            q = q.where(Deadline.township_id == township_id)
        return q.subquery()
    parts = []
    for closed in (Deadline.closed_on.is_(None), Deadline.closed_on > as_of):
        q = select(*cols).where(Deadline.kind == kind, closed, due, Deadline.opened_on <= as_of)
        if township_id is not None:
            q = q.where(Deadline.township_id == township_id)
        parts.append(q)
    return union_all(*parts).subquery()


def _idle_item(d: Deadline, p: Parcel, t: Township, as_of: date) -> dict[str, Any]:
    """One row of the idle-land list: the clock read as the determination reads it
    (``workflow.deadlines.idle``), so that the list charges a fee exactly when ``declare_idle``
    could determine user-caused idleness on the same day."""
    clock = read_idle_clock(d, p, as_of)
    determined = d.determined_on is not None and d.determined_on <= as_of
    cause = d.cause if determined else None
    fee_applies = cause not in ("government", "force_majeure") and clock.user_chargeable
    base = d.amount_yuan or ZERO
    # The rate of the law in force on the determination (on the list's day before one).
    rate = law.value("idle.fee_rate", d.determined_on if determined else as_of)
    fee = (base * rate).quantize(Decimal("0.01")) if fee_applies else ZERO
    return {
        "code": p.code, "parcel_id": p.id,
        "township": {"code": t.code, "name": t.name},
        "clock_start": d.clock_start.isoformat() if d.clock_start else None,
        "idle_from": clock.idle_from.isoformat(),
        "days_idle": (as_of - (d.clock_start or d.due_on)).days,
        "land_price_yuan": money(base),
        "fee_due_yuan": money(fee),
        "fee_from": clock.fee_from.isoformat(),
        "recovery_from": clock.recovery_from.isoformat(),
        "recovery_due": fee_applies and clock.recovery_due,
        "cause": cause,
        "government_delay": clock.government_delay,
        "handed_over_on": clock.handed_over_on.isoformat() if clock.handed_over_on else None,
        "paused_since": clock.paused_since.isoformat() if clock.paused_since else None,
        "determination": "determined" if determined else "suspected",
        "determined_on": d.determined_on.isoformat() if determined and d.determined_on else None,
        "determination_no": d.determination_no if determined else None,
        "area_m2": money(p.supplied_area_m2 or p.total_m2),
    }


def idle_land(uow: UnitOfWork, actor: Actor, *, as_of: date | None = None,
              township: str | None = None, page: int = 1, per_page: int = 50,
              bbox: BBox | None = None) -> dict[str, Any]:
    require(actor, AUDIT_READERS)
    with uow:
        s = uow.session
        as_of = as_of or uow.today()
        ids = running_on("idle_clock", as_of, township_id=_township_id(s, township, actor),
                         ordered=(page - 1) * per_page < ORDERED_SCAN_ROWS)
        if bbox is not None:
            ids = (select(ids).join(Parcel, Parcel.id == ids.c.parcel_id)
                   .where(*in_bbox(bbox)).subquery())
        if bbox is None:  # counted from the stock deltas, not row by row
            total = int(_flow_sums(s, as_of, _township_id(s, township, actor)).idle_n)
        else:
            total = s.execute(select(func.count()).select_from(ids)).scalar_one()
        # The page is cut from the index rows first; only its rows are then read in full.
        chosen = (select(ids.c.deadline_id, ids.c.due_on)
                  .order_by(ids.c.due_on, ids.c.deadline_id)
                  .limit(per_page).offset((page - 1) * per_page)).subquery()
        rows = s.execute(
            select(Deadline, Parcel, Township)
            .join(chosen, chosen.c.deadline_id == Deadline.id)
            .join(Parcel, Parcel.id == Deadline.parcel_id)
            .join(Township, Township.id == Parcel.township_id)
            .options(load_only(*IDLE_READS, raiseload=True),
                     load_only(*PARCEL_READS, raiseload=True))
            .order_by(Deadline.due_on, Deadline.id))
        items = [_idle_item(d, p, t, as_of) for d, p, t in rows]
        fee_total = sum((Decimal(i["fee_due_yuan"]) for i in items), ZERO)
        return {"as_of": as_of.isoformat(), "items": items, "total": total, "page": page,
                "per_page": per_page, "page_fee_due_yuan": money(fee_total)}


IDLE_COLUMNS = (
    "code", "parcel_id", "township.code", "township.name", "clock_start", "idle_from",
    "days_idle", "land_price_yuan", "fee_due_yuan", "fee_from", "recovery_from", "recovery_due",
    "cause", "government_delay", "handed_over_on", "paused_since", "determination",
    "determined_on", "determination_no", "area_m2")


def idle_land_table(uow: UnitOfWork, actor: Actor, *, as_of: date | None = None,
                    township: str | None = None, batch: int = EXPORT_BATCH,
                    bbox: BBox | None = None, with_geometry: bool = False) -> Table:
    """Every row of ``idle_land``, in its order, for an export: read as it is sent, a batch at a
    time. Authorization and the filters are checked now, before anything is sent."""
    require(actor, AUDIT_READERS)
    with uow:
        as_of = as_of or uow.today()
        township_id = _township_id(uow.session, township, actor)

    def items() -> Iterator[dict[str, Any]]:
        with uow:
            ids = running_on("idle_clock", as_of, township_id=township_id)
            rows = (select(Deadline, Parcel, Township)
                    .join(ids, ids.c.deadline_id == Deadline.id)
                    .join(Parcel, Parcel.id == Deadline.parcel_id)
                    .join(Township, Township.id == Parcel.township_id)
                    .options(load_only(*IDLE_READS, raiseload=True),
                             load_only(*_parcel_reads(with_geometry), raiseload=True))
                    .order_by(Deadline.due_on, Deadline.id))
            if bbox is not None:
                rows = rows.where(*in_bbox(bbox))
            for d, p, t in _batches(uow.session, rows, batch):
                yield _with_geometry(_idle_item(d, p, t, as_of), p, with_geometry)

    return Table(f"idle-land-{as_of.isoformat()}", IDLE_COLUMNS, items())


# What the export rows read (``_idle_item``, ``_stock_item``): a parcel row is wide (geometry,
# planning conditions), and an export reads it a million times. Anything else read raises.
PARCEL_READS = (Parcel.id, Parcel.code, Parcel.ownership, Parcel.total_m2,
                Parcel.supplied_area_m2, Parcel.first_supplied_m2, Parcel.approved_on,
                Parcel.approval_no, Parcel.expropriated_on, Parcel.first_supplied_on,
                Parcel.agreed_start_date, Parcel.supplied_on, Parcel.handed_over_on,
                Parcel.construction_started_on)
IDLE_READS = (Deadline.id, Deadline.due_on, Deadline.clock_start, Deadline.amount_yuan,
              Deadline.recovery_on, Deadline.cause, Deadline.determined_on,
              Deadline.determination_no, Deadline.opened_on, Deadline.state,
              Deadline.paused_since)


def _parcel_reads(with_geometry: bool) -> tuple[Any, ...]:
    return PARCEL_READS + ((Parcel.geometry,) if with_geometry else ())


def _batches(s: Session, statement: Any, batch: int) -> Iterator[Any]:
    """The statement's rows, fetched ``batch`` at a time (a server-side cursor on PostgreSQL).
    The session holds its objects weakly, so a consumed batch is let go."""
    result = s.execute(statement.execution_options(yield_per=batch))
    try:
        yield from result
    finally:
        result.close()


# --- approved but unsupplied -----------------------------------------------------------------


def _not_closed(as_of: date) -> Any:
    return or_(Parcel.closed_on.is_(None), Parcel.closed_on > as_of)


def _approved_base(as_of: date) -> list[Any]:
    """Approved by ``as_of`` and not withdrawn from the base by a lapse before it."""
    return [Parcel.approved_on <= as_of, _not_closed(as_of)]


def _stock_sets(as_of: date, township_id: int | None, cohort: int | None,
                category: str | None, bbox: BBox | None = None, ordered: bool = False
                ) -> tuple[Any | None, Any | None]:
    """The two stocks as index-only ranges, never a scan of every approved parcel:

    - approved but unsupplied (批而未供, and within it 批而未征 and 征而未供): (parcel_id,
      approved_on) of parcels never supplied, first supplied after ``as_of``, or first supplied
      by then in part only (the rest of the approval stays in the stock, RULES.md §3.1);
    - supplied but unused (供而未用): (deadline_id, parcel_id, due_on) of agreed-start clocks
      running on ``as_of`` and past due — a running clock is its parcel's supply, so the
      parcel need not be read unless a cohort is asked for.
    Either is None when the category leaves it out."""
    def narrowed(q: Any) -> Any:
        q = q.where(*_approved_base(as_of))
        if township_id is not None:
            q = q.where(Parcel.township_id == township_id)
        if cohort is not None:
            q = q.where(Parcel.approved_on >= date(cohort, 1, 1),
                        Parcel.approved_on <= date(cohort, 12, 31))
        if bbox is not None:
            q = q.where(*in_bbox(bbox))
        if category == "approved_unexpropriated":
            q = q.where(Parcel.ownership == "collective",
                        or_(Parcel.expropriated_on.is_(None), Parcel.expropriated_on > as_of))
        elif category == "expropriated_unsupplied":
            q = q.where(Parcel.expropriated_on <= as_of)
        return q

    unsupplied = unused = None
    if category != "supplied_unused":
        cols = (Parcel.id.label("parcel_id"), Parcel.approved_on.label("approved_on"))
        unsupplied = union_all(
            narrowed(select(*cols).where(Parcel.first_supplied_on.is_(None))),
            narrowed(select(*cols).where(Parcel.first_supplied_on > as_of)),
            narrowed(select(*cols).where(Parcel.first_supplied_m2 < Parcel.total_m2,
                                         Parcel.first_supplied_on <= as_of))).subquery()
    if category in (None, "supplied_unused"):
        clocks = running_on("agreed_start", as_of, due_before=True, township_id=township_id,
                            ordered=ordered)
        q = select(clocks.c.deadline_id, clocks.c.parcel_id, clocks.c.due_on)
        if cohort is not None or bbox is not None:
            q = q.join(Parcel, Parcel.id == clocks.c.parcel_id)
        if cohort is not None:
            q = q.where(Parcel.approved_on >= date(cohort, 1, 1),
                        Parcel.approved_on <= date(cohort, 12, 31))
        if bbox is not None:
            q = q.where(*in_bbox(bbox))
        unused = q.subquery()
    return unsupplied, unused


def unsupplied(uow: UnitOfWork, actor: Actor, *, as_of: date | None = None,
               township: str | None = None, category: str | None = None,
               cohort: int | None = None, page: int = 1, per_page: int = 50,
               bbox: BBox | None = None) -> dict[str, Any]:
    """Approved-but-unsupplied parcels first (by approval date), then supplied-but-unused ones
    (by agreed start date); each part is cut by the page from its own index order."""
    require(actor, AUDIT_READERS)
    with uow:
        s = uow.session
        as_of = as_of or uow.today()
        tid = _township_id(s, township, actor)
        first, second = _stock_sets(as_of, tid, cohort, category, bbox)
        per_cohort: list[tuple[int, int]] | None = None
        if bbox is None:  # counted from the stock deltas, not row by row
            field = LIST_COUNTS.get(category or "", "unsupplied_n")
            sums = _flow_sums(s, as_of, tid, cohort=cohort, by_cohort=True)
            per_cohort = [(int(r.cohort), int(getattr(r, field))) for r in sums]
            n1 = sum(n for _, n in per_cohort) if first is not None else 0
            n2 = sum(int(r.supplied_unused_n) for r in sums) if second is not None else 0
        else:
            n1 = s.execute(select(func.count()).select_from(first)).scalar_one() \
                if first is not None else 0
            n2 = s.execute(select(func.count()).select_from(second)).scalar_one() \
                if second is not None else 0
        offset, limit = (page - 1) * per_page, per_page
        ids1: list[int] = []
        ids2: list[int] = []
        if first is not None and offset < n1 and per_cohort is not None:
            # The list is in approval order, so each cohort is a run of it whose length the
            # deltas give: only the cohorts the page falls in are read, each from its own
            # year of approvals.
            skip = offset
            for year, n in per_cohort:
                if len(ids1) >= limit:
                    break
                if skip >= n:
                    skip -= n
                    continue
                part, _ = _stock_sets(as_of, tid, year, category)
                assert part is not None
                ids1 += list(s.execute(select(part.c.parcel_id).order_by(
                    part.c.approved_on, part.c.parcel_id).offset(skip)
                    .limit(limit - len(ids1))).scalars())
                skip = 0
        elif first is not None and offset < n1:
            ids1 = list(s.execute(select(first.c.parcel_id).order_by(
                first.c.approved_on, first.c.parcel_id).offset(offset).limit(limit)).scalars())
        if second is not None and len(ids1) < limit:
            if max(0, offset - n1) < ORDERED_SCAN_ROWS:  # near its start: one ordered scan
                _, second = _stock_sets(as_of, tid, cohort, "supplied_unused", bbox,
                                        ordered=True)
                assert second is not None
            ids2 = list(s.execute(select(second.c.parcel_id).order_by(
                second.c.due_on, second.c.deadline_id).offset(max(0, offset - n1))
                .limit(limit - len(ids1))).scalars())
        rows = {p.id: (p, t) for p, t in s.execute(
            select(Parcel, Township).join(Township, Township.id == Parcel.township_id)
            .options(load_only(*PARCEL_READS, raiseload=True))
            .where(Parcel.id.in_(ids1 + ids2)))} if ids1 or ids2 else {}
        items = [_stock_item(*rows[i], 1, as_of) for i in ids1] + \
            [_stock_item(*rows[i], 2, as_of) for i in ids2]
        return {"as_of": as_of.isoformat(), "definition_version": DEFINITION_VERSION,
                "items": items, "total": n1 + n2, "page": page, "per_page": per_page}


# The flow column that counts the first part of the list, by category.
LIST_COUNTS = {"approved_unexpropriated": "unexpropriated_n",
               "expropriated_unsupplied": "expropriated_unsupplied_n"}

STOCK_COLUMNS = (
    "code", "parcel_id", "township.code", "township.name", "categories", "labels", "cohort",
    "approved_on", "approval_no", "area_m2", "age_days", "expropriated_on", "supplied_on",
    "agreed_start_date", "approved_m2", "supplied_m2")


def unsupplied_table(uow: UnitOfWork, actor: Actor, *, as_of: date | None = None,
                     township: str | None = None, category: str | None = None,
                     cohort: int | None = None, batch: int = EXPORT_BATCH,
                     bbox: BBox | None = None, with_geometry: bool = False) -> Table:
    """Every row of ``unsupplied``, in its order, for an export: read as it is sent, a batch at
    a time. Authorization and the filters are checked now, before anything is sent."""
    require(actor, AUDIT_READERS)
    with uow:
        as_of = as_of or uow.today()
        township_id = _township_id(uow.session, township, actor)

    def items() -> Iterator[dict[str, Any]]:
        with uow:
            first, second = _stock_sets(as_of, township_id, cohort, category, bbox)
            rows = (select(Parcel, Township).join(Township, Township.id == Parcel.township_id)
                    .options(load_only(*_parcel_reads(with_geometry), raiseload=True)))
            if first is not None:
                for p, t in _batches(uow.session, rows.join(first, first.c.parcel_id == Parcel.id)
                                     .order_by(first.c.approved_on, first.c.parcel_id), batch):
                    yield _with_geometry(_stock_item(p, t, 1, as_of), p, with_geometry)
            if second is not None:
                for p, t in _batches(uow.session, rows.join(second,
                                                            second.c.parcel_id == Parcel.id)
                                     .order_by(second.c.due_on, second.c.deadline_id), batch):
                    yield _with_geometry(_stock_item(p, t, 2, as_of), p, with_geometry)

    return Table(f"unsupplied-{as_of.isoformat()}", STOCK_COLUMNS, items())


def _stock_item(p: Parcel, t: Township, which: int, as_of: date) -> dict[str, Any]:
    """One row of a stock: ``area_m2`` is the area in it — the approval's unsupplied rest
    (which 1) or its supplied, unused part (which 2)."""
    supplied = (p.first_supplied_m2 if p.first_supplied_m2 is not None else p.total_m2) \
        if p.first_supplied_on is not None and p.first_supplied_on <= as_of else ZERO
    if which == 2:
        cats = ["supplied_unused"]
        area = supplied
    else:
        area = p.total_m2 - supplied
        expropriated = p.expropriated_on is not None and p.expropriated_on <= as_of
        cats = (["expropriated_unsupplied"] if expropriated else
                ["approved_unexpropriated"] if p.ownership == "collective" else [])
        cats.append("approved_unsupplied")
    assert p.approved_on is not None
    return {
        "code": p.code, "parcel_id": p.id, "township": {"code": t.code, "name": t.name},
        "categories": cats, "labels": [CATEGORY_LABELS[c] for c in cats],
        "cohort": p.approved_on.year, "approved_on": p.approved_on.isoformat(),
        "approval_no": p.approval_no, "area_m2": money(area),
        "age_days": (as_of - p.approved_on).days,
        "expropriated_on": _iso(p.expropriated_on, as_of),
        "supplied_on": _iso(p.first_supplied_on, as_of),
        "agreed_start_date": p.agreed_start_date.isoformat()
        if which == 2 and p.agreed_start_date else None,
        "approved_m2": money(p.total_m2), "supplied_m2": money(supplied),
    }


def _with_geometry(item: dict[str, Any], p: Parcel, wanted: bool) -> dict[str, Any]:
    if wanted:
        item["geometry"] = p.geometry
    return item


def _iso(d: date | None, as_of: date) -> str | None:
    return d.isoformat() if d is not None and d <= as_of else None


def unsupplied_summary(uow: UnitOfWork, actor: Actor, *, as_of: date | None = None,
                       township: str | None = None) -> dict[str, Any]:
    """Per approval cohort: approved, supplied and each stock; and the rolling supply rate.
    The stocks are the deltas of ``stock_flows`` summed up to ``as_of`` (a few hundred
    thousand small rows at a million parcels, whatever the date); the rolling window's first,
    partial year is summed from its approvals (one index range). Equal to
    ``unsupplied_summary_rows``, the row-level definition (a property test keeps them so)."""
    require(actor, AUDIT_READERS)
    with uow:
        s = uow.session
        as_of = as_of or uow.today()
        tid = _township_id(s, township, actor)
        window = law.value("supply_rate.window_years", as_of)
        since = add_years(as_of, -window)
        cohorts, w_approved, w_supplied = [], ZERO, ZERO
        for r in _flow_sums(s, as_of, tid, by_cohort=True):
            if not r.parcels:
                continue
            cohorts.append(_cohort(int(r.cohort), r.parcels, r.approved_m2, r.supplied_m2,
                                   r.unexpropriated_m2, r.expropriated_unsupplied_m2,
                                   r.supplied_unused_m2))
            if r.cohort > since.year:
                w_approved += r.approved_m2
                w_supplied += r.supplied_m2
        # The window's first year counts from the day after ``since``: its approvals, read.
        cond = [*_approved_base(as_of), Parcel.approved_on > since,
                Parcel.approved_on <= date(since.year, 12, 31)]
        if tid is not None:
            cond.append(Parcel.township_id == tid)
        first_year = s.execute(select(
            amount(func.coalesce(func.sum(Parcel.total_m2), 0)),
            amount(func.coalesce(func.sum(_supplied_area(as_of)), 0))).where(*cond)).one()
        w_approved += first_year[0]
        w_supplied += first_year[1]
        return _summary(as_of, township, cohorts, window, since, w_approved, w_supplied)


def _cohort(cohort: int, parcels: int, approved: Decimal, supplied: Decimal,
            unexpropriated: Decimal, expropriated_unsupplied: Decimal,
            supplied_unused: Decimal) -> dict[str, Any]:
    approved = approved or ZERO
    return {
        "cohort": cohort, "parcels": int(parcels), "approved_m2": money(approved),
        "supplied_m2": money(supplied),
        "approved_unexpropriated_m2": money(unexpropriated),
        "expropriated_unsupplied_m2": money(expropriated_unsupplied),
        "approved_unsupplied_m2": money(approved - supplied),
        "supplied_unused_m2": money(supplied_unused),
        "supply_rate": _ratio(supplied, approved),
    }


def _summary(as_of: date, township: str | None, cohorts: list[dict[str, Any]], window: int,
             since: date, w_approved: Decimal, w_supplied: Decimal) -> dict[str, Any]:
    rate = _ratio(w_supplied, w_approved)
    minimum = law.value("supply_rate.min", as_of)
    keys = ("approved_unexpropriated", "expropriated_unsupplied", "approved_unsupplied",
            "supplied_unused")
    totals = {k: money(sum((Decimal(c[f"{k}_m2"]) for c in cohorts), ZERO)) for k in keys}
    return {
        "as_of": as_of.isoformat(), "definition_version": DEFINITION_VERSION,
        "township": township, "cohorts": cohorts, "stock_m2": totals,
        "rolling": {"window_years": window, "from": since.isoformat(),
                    "approved_m2": money(w_approved), "supplied_m2": money(w_supplied),
                    "supply_rate": rate, "minimum": str(minimum),
                    "below_minimum": rate is not None and Decimal(rate) < minimum},
    }


def unsupplied_summary_rows(uow: UnitOfWork, actor: Actor, *, as_of: date | None = None,
                            township: str | None = None) -> dict[str, Any]:
    """``unsupplied_summary`` computed row by row: the definition, which the stock deltas must
    equal on every date. One pass over a covering index: every figure is a filtered sum, and
    供而未用 is a membership test against the small set of overdue agreed-start clocks."""
    require(actor, AUDIT_READERS)
    with uow:
        s = uow.session
        as_of = as_of or uow.today()
        tid = _township_id(s, township, actor)
        window = law.value("supply_rate.window_years", as_of)
        since = add_years(as_of, -window)
        area = Parcel.total_m2
        supplied, rest = _supplied_area(as_of), _unsupplied_area(as_of)
        _, clocks = _stock_sets(as_of, tid, None, "supplied_unused")
        assert clocks is not None
        # (area summed, when) — every stock in area (RULES.md §3.1).
        sums = {
            "supplied": (supplied, None),
            "expropriated_unsupplied": (rest, Parcel.expropriated_on <= as_of),
            "approved_unexpropriated": (rest, and_(
                Parcel.ownership == "collective",
                or_(Parcel.expropriated_on.is_(None), Parcel.expropriated_on > as_of))),
            "supplied_unused": (_first_supply(), Parcel.id.in_(select(clocks.c.parcel_id))),
            "window": (area, Parcel.approved_on > since),
            "window_supplied": (supplied, Parcel.approved_on > since),
        }
        cond = _approved_base(as_of)
        if tid is not None:
            cond.append(Parcel.township_id == tid)
        year = extract("year", Parcel.approved_on)
        rows = s.execute(
            select(year.label("cohort"), func.count().label("parcels"),
                   amount(func.sum(area)).label("approved"),
                   *[amount(func.coalesce(
                       func.sum(what) if flag is None else func.sum(what).filter(flag), 0)
                   ).label(k) for k, (what, flag) in sums.items()])
            .where(*cond).group_by(year).order_by(year)
        ).all()
        cohorts = [_cohort(int(r.cohort), r.parcels, r.approved or ZERO, r.supplied,
                           r.approved_unexpropriated, r.expropriated_unsupplied,
                           r.supplied_unused) for r in rows]
        w_approved = sum((r.window for r in rows), ZERO)
        w_supplied = sum((r.window_supplied for r in rows), ZERO)
        return _summary(as_of, township, cohorts, window, since, w_approved, w_supplied)


# --- indicators (专栏3) ------------------------------------------------------------------------


def indicators(uow: UnitOfWork, actor: Actor, *, as_of: date | None = None) -> dict[str, Any]:
    require(actor, AUDIT_READERS)
    with uow:
        s = uow.session
        as_of = as_of or uow.today()
        county = s.execute(select(County)).scalars().first()
        if county is None:
            raise ValidationFailed({"county": ["no county seeded: run landflow seed"]})
        start = date(county.plan_period_start, 1, 1)
        end = min(as_of, date(county.plan_period_end, 12, 31))
        computed: dict[str, dict[str, Any]] = {}
        approved = _approved_in_plan(s, as_of, start, end)
        computed["new_construction_land_approved"] = {
            "value": _km2(approved), "basis": f"approvals {start.isoformat()}..{end.isoformat()}"
                                              " (new construction land: agricultural + unused)"}
        tickets = s.execute(select(amount(func.coalesce(func.sum(LandTicket.area_m2), 0))).where(
            LandTicket.traded_on >= start, LandTicket.traded_on <= end)).scalar_one()
        computed["land_ticket_traded_area"] = {
            "value": _km2(tickets), "basis": "land tickets traded in the plan period"}
        rate, stock, disposed = _disposal_rate(s, as_of)
        computed["unsupplied_idle_disposal_rate"] = {
            "value": None if rate is None else str((rate * 100).quantize(Decimal("0.01"))),
            "basis": f"{as_of.year}: {money(disposed)} m² disposed of {money(stock)} m² "
                     f"approved-unsupplied and idle on {date(as_of.year, 1, 1).isoformat()}"}
        items = []
        for ind in s.execute(select(PlanIndicator).order_by(PlanIndicator.seq)).scalars():
            c = computed.get(ind.key)
            value = c["value"] if c else None
            target = ind.target_2025
            status = "not_tracked"
            if c is not None and value is not None and target is not None:
                v = Decimal(value)
                if ind.key == "new_construction_land_approved":
                    status = "within_cap" if v <= target else "over_cap"
                else:
                    status = "met" if v >= target else "below_target"
            items.append({
                "key": ind.key, "seq": ind.seq, "name": {"zh": ind.name_zh, "en": ind.name_en},
                "unit": ind.unit, "nature": ind.nature, "cumulative": ind.cumulative,
                "value_2020": _s(ind.value_2020), "target_2025": _s(target),
                "value": value, "basis": c["basis"] if c else
                "not derived from Landflow's data (published by the county)", "status": status,
            })
        return {"as_of": as_of.isoformat(), "plan": county.plan,
                "period": [county.plan_period_start, county.plan_period_end], "items": items}


def _km2(m2: Decimal) -> str:
    return str((m2 / KM2).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _s(d: Decimal | None) -> str | None:
    return None if d is None else format(d.normalize(), "f")


def _approved_in_plan(s: Session, as_of: date, start: date, end: date) -> Decimal:
    """New construction land approved from ``start`` to ``end`` and not lapsed by ``as_of``:
    the plan years are whole approval cohorts, summed from the stock deltas."""
    assert start.month == start.day == 1 and (end == as_of or (end.month, end.day) == (12, 31))
    return sum((r.converted_m2 for r in _flow_sums(s, as_of, None, by_cohort=True)
                if start.year <= r.cohort <= end.year), ZERO)


def _approved_in_plan_rows(s: Session, as_of: date, start: date, end: date) -> Decimal:
    """``_approved_in_plan`` row by row (the definition)."""
    return s.execute(select(amount(func.coalesce(func.sum(_converted_area()), 0))).where(
        Parcel.approved_on >= start, Parcel.approved_on <= end,
        or_(Parcel.closed_on.is_(None), Parcel.closed_on > as_of))).scalar_one()


def _disposal_rate(s: Session, as_of: date) -> tuple[Decimal | None, Decimal, Decimal]:
    """``_disposal_rate_rows`` from the stock deltas. The stock on 1 January is what cohorts
    before the year had approved on 1 January less what they had supplied before it (a lapsed
    approval was never supplied), plus approvals of 1 January itself (read); what remains of it
    on ``as_of`` is their approved less supplied then. Idle land: the deltas hold the area
    determined before a day and open on it, and the area determined before a year that closed
    in it."""
    jan1 = date(as_of.year, 1, 1)
    eve = jan1 - timedelta(days=1)

    def by(day: date) -> dict[int, Any]:
        return {int(r.cohort): r for r in _flow_sums(s, day, None, by_cohort=True)}

    at_jan1, at_eve, at_as_of = by(jan1), by(eve), by(as_of)
    before = [c for c in at_jan1 if c < as_of.year]
    stock = sum((at_jan1[c].approved_m2 for c in before), ZERO) - \
        sum((at_eve[c].supplied_m2 for c in at_eve if c < as_of.year), ZERO)
    remaining = sum((r.approved_m2 - r.supplied_m2 for c, r in at_as_of.items()
                     if c < as_of.year), ZERO)
    on_jan1 = s.execute(select(
        amount(func.coalesce(func.sum(Parcel.total_m2).filter(_not_closed(jan1)), 0)),
        amount(func.coalesce(func.sum(_unsupplied_area(as_of)).filter(_not_closed(as_of)), 0)))
        .where(Parcel.approved_on == jan1)).one()
    stock, remaining = stock + on_jan1[0], remaining + on_jan1[1]
    idle_stock = sum((r.idle_determined_m2 for r in at_jan1.values()), ZERO)
    idle_disposed = sum((r.idle_closed_m2 for r in at_as_of.values()), ZERO) - \
        sum((r.idle_closed_m2 for r in at_eve.values()), ZERO)
    total_stock = stock + idle_stock
    total_disposed = stock - remaining + idle_disposed
    if total_stock <= 0:
        return None, total_stock, total_disposed
    return total_disposed / total_stock, total_stock, total_disposed


def _disposal_rate_rows(s: Session, as_of: date) -> tuple[Decimal | None, Decimal, Decimal]:
    """Share of the approved-unsupplied stock on 1 January that was supplied (or lapsed out) by
    ``as_of``; idle land determined before 1 January counts in the stock and is disposed when
    its clock closes (resumed, recovered)."""
    jan1 = date(as_of.year, 1, 1)
    # In area (RULES.md §3.1): the stock is what was unsupplied on 1 January; a lapse disposes
    # of all of it, a first supply since of the part it supplied.
    rest = _unsupplied_area(jan1, before=True)
    disposed_area = amount(case(
        (and_(Parcel.closed_on >= jan1, Parcel.closed_on <= as_of), rest),
        (and_(Parcel.first_supplied_on >= jan1, Parcel.first_supplied_on <= as_of),
         _first_supply()),
        else_=literal(0)))
    # The stock on 1 January: never supplied, first supplied since, or supplied in part
    # before — three index ranges.
    stock = disposed = ZERO
    for supply in (Parcel.first_supplied_on.is_(None), Parcel.first_supplied_on >= jan1,
                   and_(Parcel.first_supplied_m2 < Parcel.total_m2,
                        Parcel.first_supplied_on < jan1)):
        row = s.execute(select(
            amount(func.coalesce(func.sum(rest), 0)),
            amount(func.coalesce(func.sum(disposed_area), 0)))
            .where(supply, *_approved_base(jan1))).one()
        stock, disposed = stock + row[0], disposed + row[1]
    idle_cond = [Deadline.kind == "idle_clock", Deadline.determined_on < jan1,
                 or_(Deadline.closed_on.is_(None), Deadline.closed_on >= jan1)]
    idle_area = amount(_first_supply())  # the approval's supplied area, as the stocks count it
    idle_stock, idle_disposed = s.execute(
        select(amount(func.coalesce(func.sum(idle_area), 0)),
               amount(func.coalesce(func.sum(idle_area).filter(Deadline.closed_on <= as_of), 0)))
        .select_from(Deadline).join(Parcel, Parcel.id == Deadline.parcel_id)
        .where(*idle_cond)).one()
    total_stock, total_disposed = stock + idle_stock, disposed + idle_disposed
    if total_stock <= 0:
        return None, total_stock, total_disposed
    return total_disposed / total_stock, total_stock, total_disposed


def iter_rows(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from result["items"]




SUMMARY_COLUMNS = ("cohort", "parcels", "approved_m2", "supplied_m2", "supply_rate",
                   "approved_unexpropriated_m2", "expropriated_unsupplied_m2",
                   "approved_unsupplied_m2", "supplied_unused_m2")
INDICATOR_COLUMNS = ("seq", "key", "name.zh", "name.en", "unit", "nature", "cumulative",
                     "value_2020", "target_2025", "value", "status", "basis")


def summary_table(result: dict[str, Any]) -> Table:
    """``unsupplied_summary`` as a file: one row per approval cohort."""
    suffix = f"-{result['township']}" if result.get("township") else ""
    return Table(f"unsupplied-summary-{result['as_of']}{suffix}", SUMMARY_COLUMNS,
                 result["cohorts"])


def indicators_table(result: dict[str, Any]) -> Table:
    """``indicators`` as a file: one row per indicator of 专栏3."""
    return Table(f"indicators-{result['as_of']}", INDICATOR_COLUMNS, result["items"])
