"""Failed-authentication limiting, counted in the database so that every worker process and
host sees the same count (a per-process counter would multiply the limit).

Failures are counted against keys: the client's address, and what the client presented (the
first characters of a bearer token, which name one token without revealing it). A key over
the limit is answered 429 instead of 401 until its window passes. The keys only ever refuse a
credential that is itself wrong: a valid token is accepted whatever was counted against its
address (an office NAT, a proxy) or anyone else's tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow.access import SYSTEM
from workflow.models import AuthFailure
from workflow.models.base import UTCDateTime
from workflow.uow import UnitOfWork, command

WINDOW = timedelta(minutes=1)
# As many characters of a presented token as the stored ``api_tokens.prefix``.
TOKEN_KEY_CHARS = 10
KEY_CHARS = 64  # auth_failures.client


class Blocked(Exception):
    """Too many failures under one of the keys: try again in ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(retry_after)


def window_start(now: datetime) -> datetime:
    """Failures are counted per minute; a key's count is this minute's and the previous
    one's, so the limit cannot be doubled by straddling a minute boundary."""
    return now.replace(second=0, microsecond=0)


def failure_keys(client: str, presented: str | None = None) -> list[str]:
    """The keys a failure is counted against: the client's address, and what it presented."""
    keys = [f"addr:{client}"[:KEY_CHARS]]
    if presented:
        keys.append(f"token:{presented[:TOKEN_KEY_CHARS]}")
    return keys


_FAILURES_SQL = text(
    "SELECT coalesce(max(n), 0) FROM (SELECT sum(count) AS n FROM auth_failures "
    "WHERE client IN :keys AND window_start >= :since GROUP BY client) AS per_key"
).bindparams(bindparam("keys", expanding=True), bindparam("since", type_=UTCDateTime()))


def check_failures(session: Session, keys: Iterable[str], limit: int, now: datetime) -> None:
    """Refuse (``Blocked``) when any of ``keys`` has ``limit`` failures in the window."""
    worst = session.execute(_FAILURES_SQL, {"keys": list(keys),
                                            "since": window_start(now) - WINDOW}).scalar_one()
    if worst >= limit:
        raise Blocked(max(1, int((window_start(now) + WINDOW - now).total_seconds()) + 1))


def record_failure(uow: UnitOfWork, keys: str | Iterable[str]) -> None:
    """Count one failure under each key in this minute: one upsert each, so that two workers
    counting the same key at once both count."""
    keys = [keys] if isinstance(keys, str) else list(keys)

    def work(uow: UnitOfWork) -> None:
        dialect = uow.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        start = window_start(uow.now())
        for key in keys:
            statement = insert(AuthFailure).values(client=key[:KEY_CHARS], window_start=start,
                                                   count=1)
            uow.session.execute(statement.on_conflict_do_update(
                index_elements=[AuthFailure.client, AuthFailure.window_start],
                set_={"count": AuthFailure.count + 1}))

    command(uow, SYSTEM, work)
