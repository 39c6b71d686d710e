"""Failed-authentication limiting per client, counted in the database so that every worker
process and host sees the same count (a per-process counter would multiply the limit)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from .models import AuthFailure
from .uow import UnitOfWork

WINDOW = timedelta(minutes=1)


def window_start(now: datetime) -> datetime:
    """Failures are counted per minute; a client's count is this minute's and the previous
    one's, so the limit cannot be doubled by straddling a minute boundary."""
    return now.replace(second=0, microsecond=0)


def record_failure(uow: UnitOfWork, client: str) -> None:
    for _ in range(2):
        with uow:
            s = uow.session
            window = window_start(uow.now())
            updated = s.execute(update(AuthFailure).where(
                AuthFailure.client == client, AuthFailure.window_start == window)
                .values(count=AuthFailure.count + 1)
                .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
            if not updated:
                s.add(AuthFailure(client=client, window_start=window, count=1))
            try:
                uow.commit()
                return
            except IntegrityError:
                continue  # another worker created the row first: increment it instead
