"""Stock flows: the auditors' stocks kept as dated deltas by the transaction that writes the step.

Each stock of RULES.md §3.1 is, for one parcel (or one legal clock), a sum of values over
intervals of effective dates — e.g. 征而未供 is the approved area over [expropriated, lapsed)
minus the supplied area over [supplied, lapsed). An interval [start, end) of value v is the
delta +v on ``start`` and −v on ``end``; summed up to ``as_of`` the deltas give the stock as of
that date, for every date, including the past (a backdated step writes its delta on its own
date).

The deltas are written by the flush of the transaction that changes a parcel or a clock: before
each flush, every changed parcel and every changed agreed-start or idle-land clock contributes
``flows(new) − flows(old)`` (``_before_flush``), appended to ``stock_flows`` in the same
transaction — rolled back with it, never seen without it. Rows are only appended, so writers
never wait on one another's row; ``compact`` merges a day's rows (the daily sweep runs it), and
``rebuild`` recomputes everything from the rows (the migration's backfill, bulk loads).

The row-level queries of ``workflow.reports.queries`` remain the definition; a property test
checks that the flows summed to random dates equal them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from workflow.models import Deadline, Parcel, StockFlow, Township
from workflow.models.flows import AREAS, FIELDS

_FLOWS: Table = StockFlow.__table__  # type: ignore[assignment]  # a mapped class's Table

ZERO = Decimal("0.00")
CLOCK_KINDS = ("agreed_start", "idle_clock")
PARCEL_FACTS = ("township_id", "ownership", "approved_on", "closed_on", "expropriated_on",
                "first_supplied_on", "first_supplied_m2", "total_m2", "construction_m2")
CLOCK_FACTS = ("kind", "township_id", "parcel_id", "opened_on", "due_on", "closed_on",
               "determined_on")
Key = tuple[int, int, date]  # township, cohort, day
Flows = dict[Key, dict[str, Any]]


@dataclass(frozen=True)
class ParcelFacts:
    township_id: int
    ownership: str
    approved_on: date | None
    closed_on: date | None
    expropriated_on: date | None
    first_supplied_on: date | None
    first_supplied_m2: Decimal | None
    total_m2: Decimal
    construction_m2: Decimal


@dataclass(frozen=True)
class ClockFacts:
    kind: str
    township_id: int
    cohort: int
    area_m2: Decimal  # the approval's supplied area (供而未用)
    opened_on: date
    due_on: date
    closed_on: date | None
    determined_on: date | None = None


def _add(out: Flows, key: Key, values: dict[str, Any], sign: int) -> None:
    row = out.setdefault(key, {})
    for k, v in values.items():
        row[k] = row.get(k, 0) + sign * v


def _interval(out: Flows, township: int, cohort: int, start: date | None, end: date | None,
              sign: int = 1, **values: Any) -> None:
    """``values`` held from ``start`` (inclusive) to ``end`` (exclusive; None: for good)."""
    if start is None or (end is not None and end <= start):
        return
    _add(out, (township, cohort, start), values, sign)
    if end is not None:
        _add(out, (township, cohort, end), values, -sign)


def _min(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def parcel_flows(p: ParcelFacts, out: Flows, sign: int = 1) -> None:
    """The parcel's part of every stock (RULES.md §3.1), as intervals of dates. Mirrors
    ``workflow.reports.queries`` (``_approved_base``, ``_stock_sets``, ``unsupplied_summary``)."""
    a = p.approved_on
    if a is None:
        return
    t, cohort, c, area = p.township_id, a.year, p.closed_on, p.total_m2
    f, e = p.first_supplied_on, p.expropriated_on
    supplied = (p.first_supplied_m2 if p.first_supplied_m2 is not None else area) \
        if f is not None else ZERO
    # A supply of all of it leaves no row in the unsupplied list.
    whole = 1 if f is not None and supplied >= area else 0
    fs = max(a, f) if f is not None else None
    _interval(out, t, cohort, a, c, sign, parcels=1, approved_m2=area, unsupplied_n=1,
              converted_m2=area - p.construction_m2)
    _interval(out, t, cohort, fs, c, sign, supplied_m2=supplied, unsupplied_n=-whole)
    if e is not None:
        es = max(a, e)
        _interval(out, t, cohort, es, c, sign, expropriated_unsupplied_m2=area,
                  expropriated_unsupplied_n=1)
        _interval(out, t, cohort, max(es, f) if f is not None else None, c, sign,
                  expropriated_unsupplied_m2=-supplied, expropriated_unsupplied_n=-whole)
    if p.ownership == "collective":
        end = _min(e, c)
        _interval(out, t, cohort, a, end, sign, unexpropriated_m2=area, unexpropriated_n=1)
        _interval(out, t, cohort, fs, end, sign, unexpropriated_m2=-supplied,
                  unexpropriated_n=-whole)


def clock_flows(k: ClockFacts, out: Flows, sign: int = 1) -> None:
    """A clock running on ``as_of`` and past due: an agreed start passed unbuilt (供而未用, due
    before ``as_of``) or idle land (due by ``as_of``). Mirrors ``queries.running_on``."""
    if k.kind == "agreed_start":
        start = max(k.opened_on, k.due_on + timedelta(days=1))
        _interval(out, k.township_id, k.cohort, start, k.closed_on, sign,
                  supplied_unused_m2=k.area_m2, supplied_unused_n=1)
    elif k.kind == "idle_clock":
        _interval(out, k.township_id, k.cohort, max(k.opened_on, k.due_on), k.closed_on, sign,
                  idle_n=1)
        det, closed, day = k.determined_on, k.closed_on, timedelta(days=1)
        if det is not None:
            _interval(out, k.township_id, k.cohort, det + day,
                      closed + day if closed is not None else None, sign,
                      idle_determined_m2=k.area_m2)
            if closed is not None and det < date(closed.year, 1, 1):
                _interval(out, k.township_id, k.cohort, closed, None, sign,
                          idle_closed_m2=k.area_m2)


def _grains(out: Flows) -> dict[tuple[int, int, str, date], dict[str, Any]]:
    """Each day's deltas, also in its month and its year (``StockFlow.grain``)."""
    by: dict[tuple[int, int, str, date], dict[str, Any]] = {}
    for (township, cohort, day), values in out.items():
        for grain, start in (("D", day), ("M", day.replace(day=1)),
                             ("Y", date(day.year, 1, 1))):
            row = by.setdefault((township, cohort, grain, start), {})
            for k, v in values.items():
                row[k] = row.get(k, 0) + v
    return by


def _rows(by: dict[tuple[int, int, str, date], dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for (township, cohort, grain, day), values in by.items():
        if not any(values.values()):
            continue
        row = {"township_id": township, "cohort": cohort, "grain": grain, "day": day}
        row.update({f: values.get(f, ZERO if f in AREAS else 0) for f in FIELDS})
        rows.append(row)
    return rows


# --- the hook: every flush writes its own deltas ------------------------------------------------


def _old(state: Any, names: tuple[str, ...]) -> tuple[dict[str, Any], bool]:
    """The values as last loaded from the database, and whether any changed (False when an
    old value is unknown: the attribute was not loaded before it was set)."""
    old, changed, known = {}, False, True
    for name in names:
        hist = state.attrs[name].history
        if hist.has_changes():
            changed = True
            if hist.deleted:
                old[name] = hist.deleted[0]
            elif state.key is not None:
                known = False
            else:
                old[name] = None
        else:
            old[name] = hist.unchanged[0] if hist.unchanged else None
    return (old if known else {}), changed


def _parcel_facts(values: dict[str, Any]) -> ParcelFacts:
    return ParcelFacts(**{k: values[k] for k in PARCEL_FACTS})


def _clock_facts(session: Session, values: dict[str, Any]) -> ClockFacts | None:
    if values["kind"] not in CLOCK_KINDS or values["parcel_id"] is None:
        return None
    with session.no_autoflush:
        p = session.get(Parcel, values["parcel_id"])
    if p is None or p.approved_on is None:
        return None
    supplied = p.first_supplied_m2 if p.first_supplied_m2 is not None else p.total_m2
    return ClockFacts(kind=values["kind"], township_id=values["township_id"] or p.township_id,
                      cohort=p.approved_on.year, area_m2=supplied,
                      opened_on=values["opened_on"], due_on=values["due_on"],
                      closed_on=values["closed_on"], determined_on=values["determined_on"])


def _db_values(session: Session, model: Any, names: tuple[str, ...], ident: int
               ) -> dict[str, Any]:
    cols = [getattr(model, n) for n in names]
    row = session.connection().execute(select(*cols).where(model.id == ident)).one()
    return dict(zip(names, row, strict=True))


def _untouched(state: Any, names: tuple[str, ...], obj: Any) -> bool:
    """Whether a loaded row's flush cannot move a stock: none of its facts changed, or it is a
    clock of a kind no stock counts and always was. Every step flushes its parcel and often
    clocks of other kinds; this answers without reading each attribute's history."""
    if len(state.unmodified_intersection(names)) == len(names):
        return True
    return (isinstance(obj, Deadline) and obj.kind not in CLOCK_KINDS
            and bool(state.unmodified_intersection(("kind",))))


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    out: Flows = {}
    names: tuple[str, ...]
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Parcel):
            names = PARCEL_FACTS
        elif isinstance(obj, Deadline):
            names = CLOCK_FACTS
        else:
            continue
        state = inspect(obj)
        deleted = obj in session.deleted
        if state.key is not None and not deleted and _untouched(state, names, obj):
            continue
        old, changed = _old(state, names)
        if state.key is not None and not changed and not deleted:
            continue
        if state.key is not None and not old:
            old = _db_values(session, type(obj), names, obj.id)
        new = None if deleted else {n: getattr(obj, n) for n in names}
        if isinstance(obj, Parcel):
            if state.key is not None:
                parcel_flows(_parcel_facts(old), out, -1)
            if new is not None:
                parcel_flows(_parcel_facts(new), out)
        else:
            if state.key is not None and (facts := _clock_facts(session, old)) is not None:
                clock_flows(facts, out, -1)
            if new is not None and (facts := _clock_facts(session, new)) is not None:
                clock_flows(facts, out)
    rows = _rows(_grains(out))
    if rows:
        session.connection().execute(insert(_FLOWS), rows)


def install() -> None:
    """Keep the flows in every session of the process (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


# --- upkeep: merge a day's rows, recompute from scratch ------------------------------------------


def compact(session: Session, batch: int = 10_000) -> int:
    """Merge the rows of each (township, cohort, grain, day) that has several into one
    (dropping sums of zero). Exact under concurrent writers: only the rows read are deleted.
    Returns the number of rows removed."""
    t = _FLOWS
    key = (t.c.township_id, t.c.cohort, t.c.grain, t.c.day)
    dup = select(*key).group_by(*key).having(func.count() > 1).limit(batch).subquery()
    rows = session.execute(
        select(t).join(dup, (t.c.township_id == dup.c.township_id)
                       & (t.c.cohort == dup.c.cohort) & (t.c.grain == dup.c.grain)
                       & (t.c.day == dup.c.day))).all()
    if not rows:
        return 0
    merged: dict[tuple[int, int, str, date], dict[str, Any]] = {}
    for r in rows:
        row = merged.setdefault((r.township_id, r.cohort, r.grain, r.day), {})
        for f in FIELDS:
            row[f] = row.get(f, 0) + getattr(r, f)
    ids = [r.id for r in rows]
    for i in range(0, len(ids), 1000):
        session.execute(delete(t).where(t.c.id.in_(ids[i:i + 1000])))
    new = _rows(merged)
    if new:
        session.execute(insert(t), new)
    return len(rows) - len(new)


def rebuild(conn: Connection) -> int:
    """Recompute every flow from the parcels and clocks, a township at a time (the migration's
    backfill; bulk loads that write rows directly). Returns the number of rows written."""
    t = _FLOWS
    conn.execute(delete(t))
    written = 0
    townships = list(conn.execute(select(Township.id).order_by(Township.id)).scalars())
    p_cols = [getattr(Parcel, n) for n in PARCEL_FACTS]
    for township in townships:
        out: Flows = {}
        for row in conn.execute(select(*p_cols).where(Parcel.township_id == township,
                                                      Parcel.approved_on.is_not(None))):
            parcel_flows(ParcelFacts(*row), out)
        clocks = conn.execute(
            select(Deadline.kind, Deadline.opened_on, Deadline.due_on, Deadline.closed_on,
                   Deadline.determined_on, Parcel.approved_on, Parcel.first_supplied_m2,
                   Parcel.total_m2)
            .join(Parcel, Parcel.id == Deadline.parcel_id)
            .where(func.coalesce(Deadline.township_id, Parcel.township_id) == township,
                   Deadline.kind.in_(CLOCK_KINDS), Parcel.approved_on.is_not(None)))
        for kind, opened, due, closed, determined, approved, first_m2, total in clocks:
            clock_flows(ClockFacts(kind, township, approved.year,  # type: ignore[union-attr]  # filtered: approved_on is not NULL
                                   first_m2 if first_m2 is not None else total,
                                   opened, due, closed, determined), out)
        rows = _rows(_grains(out))
        for i in range(0, len(rows), 5000):
            conn.execute(insert(t), rows[i:i + 5000])
        written += len(rows)
    return written
