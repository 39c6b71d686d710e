"""The hash-chained audit trail: appending events and verifying every chain.

``hash = SHA-256(prev_hash || canonical JSON of the event)``, where canonical JSON has sorted keys,
no insignificant whitespace, UTF-8 text, decimals and dates as strings. Any edit of a stored
event, or a deleted or re-ordered one, breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.orm import Session

from workflow.canonical import canonical_json, plain
from workflow.models import AuditEvent, Parcel

GENESIS = "0" * 64


# What the hash covers: every column of an event but its id and its own hash.
HASHED_FIELDS = ("stream", "stream_seq", "parcel_id", "kind", "name", "from_state", "to_state",
                 "actor_id", "actor", "role", "recorded_at", "effective_date", "payload",
                 "rule_results", "idempotency_key")


def event_body(ev: Any) -> dict[str, Any]:
    """The hashed content of an event (an AuditEvent, or any object or mapping with the same
    fields, e.g. a row about to be bulk-loaded)."""
    if isinstance(ev, dict):
        return {k: ev[k] for k in HASHED_FIELDS}
    return {k: getattr(ev, k) for k in HASHED_FIELDS}


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
) -> AuditEvent:
    """Append to ``stream``. The caller holds the lock that owns the stream (the parcel row or
    the ledger account row), so reading the chain's tail here cannot race. A parcel's chain
    tail is kept on its (locked, already loaded) row."""
    owner = session.get(Parcel, parcel_id) if (
        parcel_id is not None and stream == f"parcel:{parcel_id}") else None
    if owner is not None:
        seq, prev = owner.audit_seq + 1, owner.audit_hash
    else:
        last = session.execute(
            select(AuditEvent.stream_seq, AuditEvent.hash)
            .where(AuditEvent.stream == stream)
            .order_by(AuditEvent.stream_seq.desc())
            .limit(1)
        ).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, None)
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
        prev_hash=prev,
    )
    ev.hash = compute_hash(prev, event_body(ev))
    session.add(ev)
    if owner is not None:
        owner.audit_seq, owner.audit_hash = seq, ev.hash
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
    tail = _check_parcel_tails(session)
    if tail is not None:
        return VerifyReport(streams, count, tail)
    return VerifyReport(streams, count, None)


def _check_parcel_tails(session: Session) -> BrokenLink | None:
    """Each parcel row names the last event of its chain: a chain whose last events were
    deleted walks cleanly, but no longer ends where its parcel says it does."""
    last = (select(AuditEvent.parcel_id, func.max(AuditEvent.stream_seq).label("seq"))
            .where(AuditEvent.stream == literal("parcel:") + cast(AuditEvent.parcel_id, String))
            .group_by(AuditEvent.parcel_id).subquery())
    row = session.execute(
        select(Parcel.id, Parcel.audit_seq, last.c.seq)
        .outerjoin(last, last.c.parcel_id == Parcel.id)
        .where(func.coalesce(last.c.seq, 0) != Parcel.audit_seq)
        .order_by(Parcel.id).limit(1)
    ).first()
    if row is None:
        return None
    return BrokenLink(f"parcel:{row[0]}", row[1], 0,
                      f"the parcel's chain should end at #{row[1]}, it ends at #{row[2] or 0}")
