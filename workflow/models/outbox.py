"""The outbox: events for the portal feed and webhooks, written in the changing transaction,
and how they are numbered.

PostgreSQL: an event's ``seq`` is ``(transaction id << 20) + ordinal`` — the writing
transaction's own id (``pg_current_xact_id()``), so writers never queue on a shared counter. A
reader reads only below the horizon ``pg_snapshot_xmin(pg_current_snapshot()) << 20``: every
transaction with a smaller id has ended (committed, and visible to the reader's statement, or
rolled back), so no event can ever appear behind a cursor that stayed below it. The feed is in
transaction-id order; for a parcel that is the order of its steps, because every step's first
write is the parcel's row lock, and locking assigns the id (a later step on the parcel waits for
the earlier one and gets a larger id). Numbers have gaps; a consumer never misses an event and
never sees one twice. The cost: an event becomes readable once every transaction that started
writing before it has ended, so a long writing transaction anywhere on the server delays the
feed (never reorders it).

SQLite: one writer at a time (BEGIN IMMEDIATE), so the ``outbox_counter`` row numbers events
gap-free in commit order and a reader sees only committed rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    String,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from workflow.canonical import storage_json
from workflow.models.base import Base, UTCDateTime


class OutboxEvent(Base):
    """``seq`` is numbered at commit (``append``): by the writing transaction's id on
    PostgreSQL, read up to the horizon of ended transactions (``readable``); from the
    ``outbox_counter`` row on SQLite. A consumer that remembers its cursor never skips an event
    that commits later."""

    __tablename__ = "outbox_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40), index=True)
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"), index=True)
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    occurred_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]


class OutboxCounter(Base):
    __tablename__ = "outbox_counter"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)


# --- numbering ---------------------------------------------------------------------------------

SHIFT = 20
PER_TRANSACTION = 1 << SHIFT  # events one transaction may write

# The first free number of this transaction: its id shifted, after any events it already wrote
# (only tests run several units of work inside one transaction).
_BASE_PG = ("(SELECT coalesce(max(o.seq) + 1, x.lo) FROM "
            "(SELECT pg_current_xact_id()::text::bigint << 20 AS lo) x "
            "LEFT JOIN outbox_events o ON o.seq >= x.lo AND o.seq < x.lo + 1048576 "
            "GROUP BY x.lo)")

# One statement per unit of work numbers and inserts every event; constant text, so the
# driver prepares it once per connection.
_INSERT_PG = text(
    "INSERT INTO outbox_events (seq, type, parcel_id, audit_event_id, occurred_at, data) "
    "SELECT b.base + t.ord - 1, t.type, t.parcel_id, t.audit_event_id, :occurred, "
    f"t.data::jsonb FROM {_BASE_PG} AS b(base), "
    "unnest(CAST(:types AS text[]), CAST(:parcels AS int[]), CAST(:events AS int[]), "
    "CAST(:datas AS text[])) WITH ORDINALITY AS t(type, parcel_id, audit_event_id, data, ord)"
).bindparams(bindparam("occurred", type_=UTCDateTime()))

_TAKE_SEQ = text("UPDATE outbox_counter SET last_seq = last_seq + :n WHERE id = 1 "
                 "RETURNING last_seq")


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _check_size(n: int) -> None:
    if n >= PER_TRANSACTION:
        raise RuntimeError(f"{n} outbox events in one transaction; at most "
                           f"{PER_TRANSACTION - 1} fit in its number range")


def append(session: Session, rows: Iterable[dict[str, Any]], occurred: datetime) -> None:
    """Number and insert events ``{type, parcel_id, audit_event_id, data}`` (in this order)."""
    rows = list(rows)
    if not rows:
        return
    n = len(rows)
    _check_size(n)
    if _pg(session):
        session.execute(_INSERT_PG, {
            "occurred": occurred,
            "types": [r["type"] for r in rows],
            "parcels": [r["parcel_id"] for r in rows],
            "events": [r["audit_event_id"] for r in rows],
            "datas": [storage_json(r["data"]) for r in rows]})
        return
    last = session.execute(_TAKE_SEQ, {"n": n}).scalar_one()
    first = last - n + 1
    session.execute(insert(OutboxEvent), [
        {"seq": first + k, "occurred_at": occurred, **r} for k, r in enumerate(rows)])


def append_select(session: Session, select_rows: Any, count: int, now: datetime) -> int:
    """Append ``count`` events from a SELECT of (ord, type, parcel_id, data), numbered in
    ``ord`` order."""
    if count == 0:
        return 0
    _check_size(count)
    if _pg(session):
        first: ColumnElement[Any] = literal_column(_BASE_PG)
    else:
        last = session.execute(
            update(OutboxCounter).where(OutboxCounter.id == 1)
            .values(last_seq=OutboxCounter.last_seq + count).returning(OutboxCounter.last_seq)
        ).scalar_one()
        first = literal(last - count + 1)
    sub = select_rows.subquery()
    numbered = select(
        (first + func.row_number().over(order_by=sub.c.ord) - 1).label("seq"),
        sub.c.type, sub.c.parcel_id, literal(now, UTCDateTime()).label("occurred_at"), sub.c.data,
    )
    session.execute(insert(OutboxEvent).from_select(
        ["seq", "type", "parcel_id", "occurred_at", "data"], numbered))
    return count


def readable() -> ColumnElement[bool]:
    """The events a feed reader may read now (add to its WHERE): on PostgreSQL, those below
    the horizon of ended transactions, and the reader's own (tests read what they wrote in
    one transaction); on SQLite every committed one."""
    return _readable()


class _readable(FunctionElement[bool]):  # noqa: N801 - reads like a SQL function
    type = Boolean()
    inherit_cache = True
    name = "outbox_readable"


_HORIZON_PG = ("(outbox_events.seq < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
               "<< 20) OR outbox_events.seq >> 20 = "
               "coalesce(pg_current_xact_id_if_assigned()::text::bigint, -1))")


@compiles(_readable, "postgresql")
def _readable_pg(element: _readable, compiler: Any, **kw: Any) -> str:
    return _HORIZON_PG


@compiles(_readable)
def _readable_other(element: _readable, compiler: Any, **kw: Any) -> str:
    return "1 = 1"


def head(session: Session) -> int:
    """The cursor a new subscriber starts at to receive what commits from now on: every event
    at or below it is readable already, none above it is."""
    if _pg(session):
        return session.execute(text(
            f"SELECT coalesce(max(seq), 0) FROM outbox_events WHERE {_HORIZON_PG}")).scalar_one()
    return session.execute(select(OutboxCounter.last_seq).where(OutboxCounter.id == 1)
                           ).scalar_one()
