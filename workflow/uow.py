"""The unit of work and the one bracket every command runs in.

A ``UnitOfWork`` is one session and one transaction, rolled back unless committed. ``command``
is the only place that commits: it opens the unit of work, takes the command's lock, replays a
stored response for a repeated idempotency key, runs the work, remembers the response, numbers
and writes the outbox events and commits — or rolls back for a dry run or on any error. The work
itself only declares what it does (rows, ``uow.audit`` events, ``uow.emit`` events), the way a
request commits once at its edge.

Outbox events are numbered and written in one statement at commit
(``workflow.models.outbox``): by the transaction's id on PostgreSQL, so that writers never
queue on a shared row, and a reader reads up to the horizon of ended transactions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from workflow.access import SYSTEM, Actor
from workflow.audit import append_event
from workflow.canonical import canonical_json
from workflow.errors import Conflict, IdempotencyKeyReused
from workflow.models import AuditEvent, IdempotencyKey, Parcel, outbox
from workflow.reports.flows import install as _keep_stock_flows

# Every flush appends the deltas of the auditors' stocks it causes, in its own transaction.
_keep_stock_flows()

if TYPE_CHECKING:
    from workflow.runtime import Clock

R = TypeVar("R")


@dataclass
class PendingEvent:
    type: str
    parcel_id: int | None
    data: dict[str, Any]
    audit_event_id: int | None = None


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 secret_key: str = "") -> None:
        self._session_factory = session_factory
        self.clock = clock
        # Who the command in this unit of work acts for, and the key it may be replayed by;
        # set by ``command`` and read by ``audit``.
        self.actor: Actor = SYSTEM
        self.idempotency_key: str | None = None
        # The server secret, for what must be derived with it (certificate codes).
        self.secret_key = secret_key
        self._session: Session | None = None
        self._pending: list[PendingEvent] = []
        self.committed = False

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        self._pending = []
        self.committed = False
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if not self.committed:
                self.session.rollback()
        finally:
            self.session.close()
            self._session = None

    def read_one(self, statement: Any, params: dict[str, Any]) -> Any:
        """One row (or None) of one read statement, on a pooled connection of this unit of
        work's database without opening a session: for the statement every request runs
        (authentication), where a session's set-up and rollback cost more than the query."""
        bind = self._session_factory.kw["bind"]
        if isinstance(bind, Connection):  # sessions bound to one connection (tests)
            return bind.execute(statement, params).one_or_none()
        with bind.connect() as conn:
            return conn.execute(statement, params).one_or_none()

    def today(self) -> date:
        return self.clock.today()

    def now(self) -> datetime:
        return self.clock.now()

    def audit(self, *, stream: str, kind: str, name: str, effective_date: date,
              payload: dict[str, Any], parcel: Parcel | None = None,
              from_state: str | None = None, to_state: str | None = None,
              rule_results: list[Any] | None = None, law_set: str | None = None
              ) -> AuditEvent:
        """Append an event for this command's actor to ``stream`` (a parcel's own chain when
        ``parcel`` is given and no other stream is named); ``law_set`` names the legal
        parameters that judged the step."""
        actor = self.actor
        return append_event(
            self.session, stream=stream, kind=kind, name=name,
            parcel_id=parcel.id if parcel is not None else None,
            from_state=from_state, to_state=to_state, actor_id=actor.id, actor=actor.name,
            role=actor.role, recorded_at=self.now(), effective_date=effective_date,
            payload=payload, rule_results=rule_results, law_set=law_set,
            idempotency_key=self.idempotency_key if parcel is not None else None)

    def emit(self, type: str, parcel_id: int | None, data: dict[str, Any],
             audit_event_id: int | None = None) -> PendingEvent:
        event = PendingEvent(type, parcel_id, data, audit_event_id)
        self._pending.append(event)
        return event

    @property
    def pending_events(self) -> list[PendingEvent]:
        return list(self._pending)

    def _flush_outbox(self) -> None:
        if not self._pending:
            return
        outbox.append(self.session, (
            {"type": ev.type, "parcel_id": ev.parcel_id, "audit_event_id": ev.audit_event_id,
             "data": ev.data} for ev in self._pending), self.now())
        self._pending = []

    def commit(self) -> None:
        self.session.flush()
        self._flush_outbox()
        self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        self._pending = []
        self.session.rollback()


def outbox_last_seq(session: Session) -> int:
    """The cursor from which a new feed consumer receives what commits from now on."""
    return outbox.head(session)


# --- the bracket ---------------------------------------------------------------------------------


class Done(NamedTuple, Generic[R]):
    result: R
    replayed: bool


def command(uow: UnitOfWork, actor: Actor, work: Callable[[UnitOfWork], R], *,
            operation: str | None = None, body: Any = None,
            idempotency_key: str | None = None, dry_run: bool = False,
            lock: Callable[[UnitOfWork], object] | None = None,
            on_conflict: Callable[[UnitOfWork], Done[R]] | None = None) -> Done[R]:
    """Run ``work`` as one command: the one commit site of Landflow.

    ``operation`` and ``body`` name the request for idempotency: with an ``idempotency_key``, a
    repeat with the same body returns the stored response (``replayed``), another body is
    refused. ``lock`` runs first, so that a concurrent retry waits for the first request and
    then replays it. A dry run rolls back whatever the work did and returns its result.

    When the work finds a unique value taken (``Conflict``) or the commit hits a unique
    constraint, the command is rolled back and the key looked up again: without a lock, a
    concurrent twin of this very request may have committed between the first look-up and the
    uniqueness check, and its stored response is this request's answer. Failing that,
    ``on_conflict`` answers (a twin found by other means, or the error that names the field).
    """
    # Only a request that can be replayed needs its digest (no key: nothing is looked up or kept).
    digest = (request_hash(operation, body)
              if operation is not None and idempotency_key is not None else None)
    with uow:
        uow.actor, uow.idempotency_key = actor, idempotency_key
        if lock is not None:
            lock(uow)
        if digest is not None and not dry_run:
            stored = replay(uow.session, actor, idempotency_key, operation or "", digest)
            if stored is not None:
                return Done(stored, True)  # type: ignore[arg-type]
        try:
            result = work(uow)
        except Conflict as taken:
            if dry_run:
                raise
            return _settle(uow, actor, idempotency_key, operation, digest, on_conflict, taken)
        if dry_run:
            uow.rollback()
            return Done(result, False)
        if digest is not None and isinstance(result, dict):
            remember(uow.session, actor, idempotency_key, operation or "", digest, result,
                     uow.now())
        try:
            uow.commit()
        except IntegrityError as taken:
            return _settle(uow, actor, idempotency_key, operation, digest, on_conflict, taken)
        return Done(result, False)


def _settle(uow: UnitOfWork, actor: Actor, key: str | None, operation: str | None,
            digest: str | None, on_conflict: Callable[[UnitOfWork], Done[R]] | None,
            error: Exception) -> Done[R]:
    """After a unique value was found taken: the stored answer of a concurrent twin with the
    same key, else ``on_conflict``'s, else the error itself."""
    uow.rollback()
    if digest is not None:
        stored = replay(uow.session, actor, key, operation or "", digest)
        if stored is not None:
            return Done(stored, True)  # type: ignore[arg-type]
    if on_conflict is not None:
        return on_conflict(uow)
    raise error


def request_hash(operation: str, body: Any) -> str:
    return hashlib.sha256(canonical_json({"op": operation, "body": body}).encode()).hexdigest()


def replay(session: Session, actor: Actor, key: str | None, operation: str, digest: str
           ) -> dict[str, Any] | None:
    """The stored response for this key, or None if the key is new. Keys are per account."""
    if key is None or actor.id is None:
        return None
    row = session.execute(
        select(IdempotencyKey).where(
            IdempotencyKey.account_id == actor.id, IdempotencyKey.key == key
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    if row.operation != operation or row.request_hash != digest:
        raise IdempotencyKeyReused({"key": key})
    return row.response


def remember(session: Session, actor: Actor, key: str | None, operation: str, digest: str,
             response: dict[str, Any], now: Any) -> None:
    if key is None or actor.id is None:
        return
    session.add(IdempotencyKey(account_id=actor.id, key=key, operation=operation,
                               request_hash=digest, response=response, created_at=now))
