"""Wiring: settings → engine → session factories → units of work. Built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .clock import Clock, SystemClock
from .config import Settings
from .db import make_engine
from .uow import UnitOfWork


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
