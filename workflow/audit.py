"""The hash-chained audit trail: appending events and verifying every chain.

``hash = SHA-256(prev_hash || canonical JSON of the event)``, where canonical JSON has sorted keys,
no insignificant whitespace, UTF-8 text, decimals and dates as strings. Any edit of a stored
event, or a deleted or re-ordered one, breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import AuditEvent

GENESIS = "0" * 64


def _plain(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, datetime):
        return obj.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_plain(v) for v in obj]
    return obj


def plain(obj: Any) -> Any:
    """The JSON-safe form used everywhere an object is stored or hashed."""
    return _plain(obj)


def canonical_json(obj: Any) -> str:
    return json.dumps(_plain(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_body(ev: AuditEvent) -> dict[str, Any]:
    return {
        "stream": ev.stream,
        "stream_seq": ev.stream_seq,
        "parcel_id": ev.parcel_id,
        "kind": ev.kind,
        "name": ev.name,
        "from_state": ev.from_state,
        "to_state": ev.to_state,
        "actor_id": ev.actor_id,
        "actor": ev.actor,
        "role": ev.role,
        "recorded_at": ev.recorded_at,
        "effective_date": ev.effective_date,
        "payload": ev.payload,
        "rule_results": ev.rule_results,
        "idempotency_key": ev.idempotency_key,
    }


def compute_hash(prev_hash: str | None, body: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update((prev_hash or GENESIS).encode("ascii"))
    digest.update(canonical_json(body).encode("utf-8"))
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
    the ledger account row), so reading the chain's tail here cannot race."""
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
    return VerifyReport(streams, count, None)
