"""What time it is. Injected, so that tests and the sweep can run "as of" any date; rules never
ask the clock themselves, they read the effective date or ``as_of`` from their context."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self._tz = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(UTC)  # clock

    def today(self) -> date:
        return datetime.now(self._tz).date()  # clock


class FixedClock:
    """A clock for tests and replays: today is whatever it was set to."""

    def __init__(self, today: date, now: datetime | None = None) -> None:
        self._today = today
        self._now = now

    def set(self, today: date) -> None:
        self._today = today

    def now(self) -> datetime:
        return self._now or datetime.now(UTC)  # clock

    def today(self) -> date:
        return self._today
