"""Wiring: the clock, settings → engine → session factories → units of work. Built once per
process.

The clock is injected, so that tests and the sweep can run "as of" any date; rules never ask the
clock themselves, they read the effective date or ``as_of`` from their context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from workflow.canonical import storage_json
from workflow.config import Settings
from workflow.observability.metrics import DB_POOL_CHECKED_OUT, DB_POOL_CHECKOUTS, DB_POOL_SIZE
from workflow.uow import UnitOfWork


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


# --- the engine -----------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """Accept the usual ``postgresql://`` spelling and use psycopg 3 for it."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    engine = _make_engine(url, pool_size=pool_size, echo=echo)
    _count_pool_use(engine)
    return engine


def _count_pool_use(engine: Engine) -> None:
    """Connections in use, for ``landflow_db_pool_checked_out``
    (``workflow.observability.metrics``)."""

    @event.listens_for(engine, "checkout")
    def _out(*_: Any) -> None:
        DB_POOL_CHECKED_OUT.inc()
        DB_POOL_CHECKOUTS.inc()

    @event.listens_for(engine, "checkin")
    def _in(*_: Any) -> None:
        DB_POOL_CHECKED_OUT.dec()


def _make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            json_serializer=storage_json,
            poolclass=NullPool if ":memory:" not in url else None,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        echo=echo,
        json_serializer=storage_json,
        pool_size=pool_size,
        max_overflow=pool_size,
        # A ping on every checkout is a round trip per unit of work; recycling connections
        # and letting a dead one fail its request once is the cheaper trade.
        pool_recycle=1800,
        # The JIT compiles plans for big scans; for this workload's short statements its
        # compilation costs more than it saves (measured: up to 280 ms on an auditor query).
        connect_args={"options": "-c jit=off"},
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the database write lock at BEGIN, so that the "row lock, then re-read"
        # sequence of a transition holds on SQLite too (it has no SELECT ... FOR UPDATE).
        if conn.get_execution_options().get("landflow_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


# --- the runtime ----------------------------------------------------------------------------------


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    # Single-statement reads in autocommit: no BEGIN and ROLLBACK round trips.
    quick_sessions: sessionmaker[Session] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        engine = make_engine(settings.database_url, pool_size=settings.pool_size,
                             echo=settings.echo_sql)
        if engine.dialect.name == "postgresql":
            DB_POOL_SIZE.set(settings.pool_size)
        writer = engine.execution_options(landflow_write=True)
        quick = (engine.execution_options(isolation_level="AUTOCOMMIT")
                 if engine.dialect.name == "postgresql" else engine)
        return cls(
            settings=settings,
            engine=engine,
            write_sessions=sessionmaker(bind=writer, expire_on_commit=False),
            read_sessions=sessionmaker(bind=engine, expire_on_commit=False),
            clock=clock or SystemClock(settings.timezone),
            quick_sessions=sessionmaker(bind=quick, expire_on_commit=False),
        )

    def uow(self) -> UnitOfWork:
        """A unit of work for changes (takes the write lock at BEGIN on SQLite)."""
        return UnitOfWork(self.write_sessions, self.clock, self.settings.secret_key)

    def reader(self) -> UnitOfWork:
        """A unit of work for queries; never commits."""
        return UnitOfWork(self.read_sessions, self.clock, self.settings.secret_key)

    def quick_reader(self) -> UnitOfWork:
        """A unit of work for one read statement (authentication), in autocommit."""
        return UnitOfWork(self.quick_sessions or self.read_sessions, self.clock,
                          self.settings.secret_key)
