"""The hash-chained audit trail: appending events and verifying every chain.

``hash = SHA-256(prev_hash || canonical JSON of the event)``, where canonical JSON has sorted keys,
no insignificant whitespace, UTF-8 text, decimals and dates as strings. The event's ``law_set``
(the legal parameters that judged the step) is hashed when set. Any edit of a stored
event, or a deleted or re-ordered one, breaks the chain at that point.

Deleting a chain's last events leaves a shorter chain that walks cleanly, so each chain's end is
anchored outside it: a parcel's on its row (``audit_seq``, ``audit_hash``), every other
stream's in ``audit_heads``. Verification checks that every chain ends where its anchor says.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import String, Table, and_, cast, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from workflow.canonical import canonical_json, plain
from workflow.models import AuditEvent, AuditHead, Parcel

GENESIS = "0" * 64


# What the hash covers: every column of an event but its id and its own hash.
HASHED_FIELDS = ("stream", "stream_seq", "parcel_id", "kind", "name", "from_state", "to_state",
                 "actor_id", "actor", "role", "recorded_at", "effective_date", "payload",
                 "rule_results", "idempotency_key")
# Columns added later: hashed when set, left out of the body when NULL, so that the events
# written before them keep their hashes. ``law_set`` (0009) names the law that judged the step:
# it is evidence of the decision like ``rule_results``, so rewriting it must break the chain.
HASHED_IF_SET = ("law_set",)


def event_body(ev: Any) -> dict[str, Any]:
    """The hashed content of an event (an AuditEvent, or any object or mapping with the same
    fields, e.g. a row about to be bulk-loaded)."""
    get = ev.get if isinstance(ev, dict) else (lambda k: getattr(ev, k))
    body = {k: get(k) for k in HASHED_FIELDS}
    body.update({k: v for k in HASHED_IF_SET if (v := get(k)) is not None})
    return body


def compute_hash(prev_hash: str | None, body: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update((prev_hash or GENESIS).encode("ascii"))
    digest.update(canonical_json(body).encode("utf-8"))
    return digest.hexdigest()


def compute_hash_json(prev_hash: str | None, body: dict[str, Any], payload_json: str) -> str:
    """``compute_hash`` for a body whose payload is already canonical JSON text (bulk loads
    serialise each payload once and use the text both for the hash and for the column)."""
    placeholder = {**body, "payload": 0}
    text = canonical_json(placeholder).replace('"payload":0', '"payload":' + payload_json, 1)
    digest = hashlib.sha256()
    digest.update((prev_hash or GENESIS).encode("ascii"))
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


# Every column of the table but the id the database gives (a column added later is written
# without touching this statement).
_EVENT_COLUMNS = tuple(c.key for c in AuditEvent.__table__.columns if c.key != "id")
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]  # a mapped class's Table
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)


def append_event(
    session: Session,
    *,
    stream: str,
    kind: str,
    name: str,
    actor_id: int | None,
    actor: str,
    role: str,
    recorded_at: datetime,
    effective_date: date,
    payload: dict[str, Any],
    parcel_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    rule_results: list[Any] | None = None,
    idempotency_key: str | None = None,
    law_set: str | None = None,
) -> AuditEvent:
    """Append to ``stream`` and move its anchor. A parcel's chain tail is kept on its (locked,
    already loaded) row; any other stream's in its ``audit_heads`` row, locked here, so that
    two appends to one stream are serialised even where the caller holds no owning lock. A
    stream without a head starts at #1 (a head deleted behind the database's back makes the
    next append collide with the existing #1 rather than quietly start a second chain)."""
    owner = session.get(Parcel, parcel_id) if (
        parcel_id is not None and stream == f"parcel:{parcel_id}") else None
    head: AuditHead | None = None
    if owner is not None:
        seq, prev = owner.audit_seq + 1, owner.audit_hash
    else:
        head = session.execute(
            select(AuditHead).where(AuditHead.stream == stream).with_for_update()
        ).scalar_one_or_none()
        seq, prev = (head.seq + 1, head.hash) if head is not None else (1, None)
    ev = AuditEvent(
        stream=stream,
        stream_seq=seq,
        parcel_id=parcel_id,
        kind=kind,
        name=name,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor_id,
        actor=actor,
        role=role,
        recorded_at=recorded_at.astimezone(UTC),
        effective_date=effective_date,
        payload=plain(payload),
        rule_results=plain(rule_results or []),
        idempotency_key=idempotency_key,
        law_set=law_set,
        prev_hash=prev,
    )
    ev.hash = compute_hash(prev, event_body(ev))
    if owner is not None:
        # The hot path: one compiled INSERT … RETURNING id instead of a unit-of-work flush,
        # and the parcel's new tail goes out with the step's own UPDATE of the parcel. The
        # event is returned as a plain (transient) object carrying its id.
        # No autoflush: the owning parcel is already a row (its id is in the stream's name),
        # and its pending changes go out with the step's one flush rather than a flush here.
        with session.no_autoflush:
            ev.id = session.execute(_INSERT_EVENT, {
                c: getattr(ev, c) for c in _EVENT_COLUMNS}).scalar_one()
        owner.audit_seq, owner.audit_hash = seq, ev.hash
        return ev
    session.add(ev)
    if head is not None:
        head.seq, head.hash = seq, ev.hash
    else:
        session.add(AuditHead(stream=stream, seq=seq, hash=ev.hash))
    session.flush()
    return ev


@dataclass
class BrokenLink:
    stream: str
    stream_seq: int
    event_id: int
    reason: str


@dataclass
class VerifyReport:
    streams: int
    events: int
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _iter_events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last_stream, last_seq = "", 0
    while True:
        rows = session.execute(
            select(AuditEvent)
            .where(
                (AuditEvent.stream > last_stream)
                | ((AuditEvent.stream == last_stream) & (AuditEvent.stream_seq > last_seq))
            )
            .order_by(AuditEvent.stream, AuditEvent.stream_seq)
            .limit(batch)
        ).scalars().all()
        if not rows:
            return
        yield from rows
        last_stream, last_seq = rows[-1].stream, rows[-1].stream_seq
        session.expunge_all()


def verify_chains(session: Session, progress: Any = None) -> VerifyReport:
    """Walk every stream in order; stop at the first broken link."""
    total = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    streams = 0
    count = 0
    current, expected_seq, prev = None, 1, None
    for ev in _iter_events(session):
        if ev.stream != current:
            current, expected_seq, prev = ev.stream, 1, None
            streams += 1
        count += 1
        if progress is not None:
            progress(count, total)
        if ev.stream_seq != expected_seq:
            return VerifyReport(streams, count, BrokenLink(
                ev.stream, ev.stream_seq, ev.id,
                f"sequence gap: expected {expected_seq}, found {ev.stream_seq}"))
        if ev.prev_hash != prev:
            return VerifyReport(streams, count, BrokenLink(
                ev.stream, ev.stream_seq, ev.id, "prev_hash does not match the previous event"))
        if compute_hash(prev, event_body(ev)) != ev.hash:
            return VerifyReport(streams, count, BrokenLink(
                ev.stream, ev.stream_seq, ev.id, "hash does not match the event's content"))
        prev = ev.hash
        expected_seq += 1
    for check in (_check_parcel_tails, _check_heads):
        tail = check(session)
        if tail is not None:
            return VerifyReport(streams, count, tail)
    return VerifyReport(streams, count, None)


def _check_parcel_tails(session: Session) -> BrokenLink | None:
    """Each parcel row names the last event of its chain: a chain whose last events were
    deleted walks cleanly, but no longer ends where its parcel says it does."""
    stream = literal("parcel:") + cast(AuditEvent.parcel_id, String)
    last = (select(AuditEvent.parcel_id, func.max(AuditEvent.stream_seq).label("seq"))
            .where(AuditEvent.stream == stream)
            .group_by(AuditEvent.parcel_id).subquery())
    row = session.execute(
        select(Parcel.id, Parcel.audit_seq, last.c.seq)
        .outerjoin(last, last.c.parcel_id == Parcel.id)
        .where(func.coalesce(last.c.seq, 0) != Parcel.audit_seq)
        .order_by(Parcel.id).limit(1)
    ).first()
    if row is not None:
        return BrokenLink(f"parcel:{row[0]}", row[1], 0,
                          f"the parcel's chain should end at #{row[1]}, it ends at #{row[2] or 0}")
    # It ends at the right number; with the right event (not one rewritten in its place)?
    ev = (select(AuditEvent.id, AuditEvent.parcel_id, AuditEvent.stream_seq, AuditEvent.hash)
          .where(AuditEvent.stream == stream).subquery())
    row = session.execute(
        select(Parcel.id, Parcel.audit_seq, ev.c.id)
        .join(ev, and_(ev.c.parcel_id == Parcel.id, ev.c.stream_seq == Parcel.audit_seq))
        .where(or_(Parcel.audit_hash.is_(None), ev.c.hash != Parcel.audit_hash))
        .order_by(Parcel.id).limit(1)
    ).first()
    if row is not None:
        return BrokenLink(f"parcel:{row[0]}", row[1], row[2],
                          "the parcel's chain does not end with the event its parcel names")
    return None


def _check_heads(session: Session) -> BrokenLink | None:
    """Every other stream ends where its ``audit_heads`` row says, with the event it names;
    and every such stream has a head."""
    row = session.execute(
        select(AuditHead.stream, AuditHead.seq, AuditEvent.id, AuditEvent.hash)
        .outerjoin(AuditEvent, and_(AuditEvent.stream == AuditHead.stream,
                                    AuditEvent.stream_seq == AuditHead.seq))
        .where(or_(AuditEvent.id.is_(None), AuditEvent.hash != AuditHead.hash))
        .order_by(AuditHead.stream).limit(1)
    ).first()
    if row is not None:
        if row[2] is None:
            return BrokenLink(row[0], row[1], 0,
                              f"the chain should end at #{row[1]}, its event #{row[1]} is gone")
        return BrokenLink(row[0], row[1], row[2],
                          "the chain does not end with the event its head names")
    last = (select(AuditEvent.stream, func.max(AuditEvent.stream_seq).label("seq"))
            .where(AuditEvent.stream.not_like("parcel:%"))
            .group_by(AuditEvent.stream).subquery())
    row = session.execute(
        select(last.c.stream, last.c.seq, AuditHead.seq)
        .outerjoin(AuditHead, AuditHead.stream == last.c.stream)
        .where(or_(AuditHead.seq.is_(None), AuditHead.seq != last.c.seq))
        .order_by(last.c.stream).limit(1)
    ).first()
    if row is not None:
        return BrokenLink(row[0], row[1], 0,
                          f"the chain should end at #{row[2] or 0} (its head), it ends at "
                          f"#{row[1]}")
    return None
