"""Test databases and fixtures.

Every database-backed test runs on SQLite, and also on PostgreSQL when TEST_DATABASE_URL (or
DATABASE_URL) points at PostgreSQL. Each test runs inside an outer transaction that is rolled
back at teardown; the service's own commits become savepoint releases
(``join_transaction_mode="create_savepoint"``). Tests that need real commits from several
connections (row locks, races) use ``committed_runtime`` on PostgreSQL only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from workflow.config import Settings
from workflow.operator.migrate import upgrade
from workflow.operator.seed import load_seed
from workflow.runtime import FixedClock, Runtime, make_engine, normalise_url

TODAY = date(2026, 6, 30)


def pg_url() -> str | None:
    for var in ("TEST_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(var)
        if url and url.startswith(("postgres://", "postgresql")):
            return normalise_url(url)
    return None


def _create_pg_database(base_url: str, name: str) -> str:
    url = make_url(base_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(base_url: str, name: str) -> None:
    url = make_url(base_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests run when PostgreSQL is configured; otherwise they are deselected
    (and said so), never reported as passed."""
    if pg_url():
        return
    keep, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres_only") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
        config._landflow_pg_deselected = len(dropped)  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: object, exitstatus: int, config: pytest.Config
                            ) -> None:
    n = getattr(config, "_landflow_pg_deselected", 0)
    if n:
        terminalreporter.write_line(  # type: ignore[attr-defined]
            f"NOTE: {n} PostgreSQL-only tests were not run: set TEST_DATABASE_URL to a "
            "PostgreSQL URL (make test does when PostgreSQL answers on 127.0.0.1:5432).",
            yellow=True)


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if pg_url() else ["sqlite"]


@pytest.fixture(scope="session")
def worker_tag() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main") + "_" + uuid.uuid4().hex[:6]


@pytest.fixture(scope="session", params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           worker_tag: str) -> Iterator[str]:
    """A migrated, seeded database for the whole session, one per backend."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "landflow-test.sqlite3"
        url = f"sqlite:///{path}"
        upgrade(url)
        _seed(url)
        yield url
        return
    base = pg_url()
    assert base is not None
    name = f"landflow_test_{worker_tag}"
    url = _create_pg_database(base, name)
    upgrade(url)
    _seed(url)
    yield url
    _drop_pg_database(base, name)


def _seed(url: str) -> None:
    rt = Runtime.from_settings(Settings(database_url=url, secret_key="test-secret"),
                               clock=FixedClock(TODAY))
    load_seed(rt.uow())
    rt.engine.dispose()


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def runtime(db_engine: Engine, db_url: str, clock: FixedClock) -> Iterator[Runtime]:
    """A runtime whose every unit of work runs inside this test's rolled-back transaction."""
    conn = db_engine.connect().execution_options(landflow_write=True)
    outer = conn.begin()
    factory = sessionmaker(bind=conn, join_transaction_mode="create_savepoint",
                           expire_on_commit=False)
    rt = Runtime(settings=Settings(database_url=db_url, secret_key="test-secret"),
                 engine=db_engine, write_sessions=factory, read_sessions=factory, clock=clock)
    rt.test_connection = conn  # type: ignore[attr-defined]
    yield rt
    outer.rollback()
    conn.close()


@pytest.fixture
def backend(db_url: str) -> str:
    return "postgresql" if db_url.startswith("postgresql") else "sqlite"


# --- committed databases for concurrency tests (PostgreSQL) ----------------------------------


@pytest.fixture(scope="session")
def committed_pg_url(worker_tag: str) -> Iterator[str]:
    base = pg_url()
    if base is None:
        raise RuntimeError("postgres_only test collected without PostgreSQL")
    name = f"landflow_race_{worker_tag}"
    url = _create_pg_database(base, name)
    upgrade(url)
    _seed(url)
    yield url
    _drop_pg_database(base, name)


# What the seed loads (and the counter the migrations create) survives the wipe after each
# committed test.
REFERENCE_TABLES = {"counties", "townships", "plan_indicators", "service_items",
                    "alembic_version", "outbox_counter"}


@pytest.fixture
def committed_runtime(committed_pg_url: str, clock: FixedClock) -> Iterator[Runtime]:
    """A runtime on a real PostgreSQL database with real commits; emptied after the test."""
    rt = Runtime.from_settings(
        Settings(database_url=committed_pg_url, secret_key="test-secret", pool_size=20),
        clock=clock)
    yield rt
    with rt.engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
        wipe = [t for t in tables if t not in REFERENCE_TABLES]
        if wipe:
            # The audit table refuses TRUNCATE through a trigger; a superuser cleaning a test
            # database switches triggers off for this one statement.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in wipe)
                              + " RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE outbox_counter SET last_seq = 0"))
    rt.engine.dispose()
