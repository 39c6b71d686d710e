"""Failed-authentication limiting per client, counted in the database so that every worker
process and host sees the same count (a per-process counter would multiply the limit)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite

from workflow.access import SYSTEM
from workflow.models import AuthFailure
from workflow.uow import UnitOfWork, command

WINDOW = timedelta(minutes=1)


def window_start(now: datetime) -> datetime:
    """Failures are counted per minute; a client's count is this minute's and the previous
    one's, so the limit cannot be doubled by straddling a minute boundary."""
    return now.replace(second=0, microsecond=0)


def record_failure(uow: UnitOfWork, client: str) -> None:
    """Count one failure for ``client`` in this minute: one upsert, so that two workers counting
    the same client at once both count."""

    def work(uow: UnitOfWork) -> None:
        dialect = uow.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(AuthFailure).values(client=client, window_start=window_start(uow.now()),
                                               count=1)
        uow.session.execute(statement.on_conflict_do_update(
            index_elements=[AuthFailure.client, AuthFailure.window_start],
            set_={"count": AuthFailure.count + 1}))

    command(uow, SYSTEM, work)
