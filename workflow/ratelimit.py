"""Failed-authentication limiting per client, counted in the database so that every worker
process and host sees the same count (a per-process counter would multiply the limit)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .models import AuthFailure
from .uow import UnitOfWork

WINDOW = timedelta(minutes=1)


def _window(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def blocked_for(uow: UnitOfWork, client: str, limit: int) -> int:
    """Seconds until the client may try again (0: not blocked). Counts this minute and the
    previous one, so the limit cannot be doubled by straddling a minute boundary."""
    with uow:
        now = uow.now()
        window = _window(now)
        total = uow.session.execute(
            select(func.coalesce(func.sum(AuthFailure.count), 0)).where(
                AuthFailure.client == client, AuthFailure.window_start >= window - WINDOW)
        ).scalar_one()
        if total < limit:
            return 0
        return max(1, int((window + WINDOW - now).total_seconds()) + 1)


def record_failure(uow: UnitOfWork, client: str) -> None:
    for _ in range(2):
        with uow:
            s = uow.session
            window = _window(uow.now())
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
