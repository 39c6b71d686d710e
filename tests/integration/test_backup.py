"""``landflow backup`` and ``landflow restore``: a round trip on each database, and a backup
whose audit chain was tampered with is refused without touching the live database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from api import create_app
from tests.conftest import TODAY, _create_pg_database, _drop_pg_database, pg_url
from tests.factories import World
from workflow.config import Settings
from workflow.models import AuditEvent, Parcel
from workflow.operator.backup import BackupError, BackupRefused, backup, backup_kind, restore
from workflow.operator.migrate import upgrade
from workflow.operator.seed import load_seed
from workflow.runtime import FixedClock, Runtime


class Database:
    """A real database with real commits (not the savepoint-isolated test database)."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp / f'{uuid.uuid4().hex[:6]}.sqlite3'}"
            self.name = None
        else:
            self.name = f"landflow_bk_{uuid.uuid4().hex[:8]}"
            self.url = _create_pg_database(pg_url(), self.name)
        upgrade(self.url)
        self.runtime = Runtime.from_settings(
            Settings(database_url=self.url, secret_key="test-secret"), clock=FixedClock(TODAY))
        load_seed(self.runtime.uow())

    def scalar(self, query):
        with self.runtime.reader() as uow:
            return uow.session.execute(query).scalar_one()

    def execute_as_superuser(self, sql: str, **params) -> None:
        """What whoever holds the database (or a copy of it) can do: switch the audit
        table's triggers off and edit it."""
        with self.runtime.engine.begin() as conn:
            if self.backend == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(sql), params)
                return
            triggers = conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _ in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            conn.execute(text(sql), params)
            for _, create in triggers:
                conn.execute(text(create))

    def close(self) -> None:
        self.runtime.engine.dispose()
        if self.name is not None:
            _drop_pg_database(pg_url(), self.name)


@pytest.fixture(params=["sqlite", "postgresql"] if pg_url() else ["sqlite"])
def databases(request, tmp_path) -> Iterator[tuple[Database, Database]]:
    """A source database with parcels in it, and another one to restore into (PostgreSQL
    too when TEST_DATABASE_URL points at it)."""
    made = [Database(request.param, tmp_path), Database(request.param, tmp_path)]
    try:
        yield made[0], made[1]
    finally:
        for db in made:
            db.close()


def _cli(url: str):
    rt = Runtime.from_settings(Settings(database_url=url, secret_key="test-secret"))
    return rt, create_app(runtime=rt, testing=True).test_cli_runner()


def test_a_backup_restores_into_another_database_with_every_event(databases, tmp_path):
    source, target = databases
    world = World(source.runtime)
    pids = [world.parcel_in("approved"), world.parcel_in("planned")]
    events = source.scalar(select(func.count()).select_from(AuditEvent))
    rt, cli = _cli(source.url)
    file = tmp_path / "landflow.backup"
    made = cli.invoke(args=["backup", str(file)])
    rt.engine.dispose()
    assert made.exit_code == 0, made.output
    assert backup_kind(file) == source.backend  # sniffed from the file, not its name
    World(target.runtime).parcel_in("surveyed")  # whatever was there is replaced
    target.runtime.engine.dispose()
    rt, cli = _cli(target.url)
    done = cli.invoke(args=["restore", str(file), "--yes"])
    rt.engine.dispose()
    assert done.exit_code == 0, done.output
    assert f"audit OK: {events} events" in done.output
    assert target.scalar(select(func.count()).select_from(AuditEvent)) == events
    states = {pid: target.scalar(select(Parcel.state).where(Parcel.id == pid)) for pid in pids}
    assert states == {pids[0]: "approved", pids[1]: "planned"}
    assert target.scalar(select(func.count()).select_from(Parcel)) == 2


def test_a_backup_whose_audit_chain_was_tampered_with_is_refused(databases, tmp_path):
    source, target = databases
    world = World(source.runtime)
    pid = world.parcel_in("approved")
    victim = source.scalar(select(AuditEvent.id).where(AuditEvent.parcel_id == pid,
                                                       AuditEvent.name == "approve"))
    source.execute_as_superuser(
        "UPDATE audit_events SET effective_date = :d WHERE id = :id", d="2023-02-28", id=victim)
    file = tmp_path / "tampered.backup"
    backup(source.url, file, pg_bin_dir=Settings().pg_bin_dir)
    kept = World(target.runtime).parcel_in("planned")
    before = target.scalar(select(func.count()).select_from(AuditEvent))
    target.runtime.engine.dispose()
    rt, cli = _cli(target.url)
    refused = cli.invoke(args=["restore", str(file), "--yes"])
    rt.engine.dispose()
    assert refused.exit_code == 1
    assert f"parcel:{pid}" in refused.output and f"event {victim}" in refused.output
    assert "hash does not match" in refused.output
    # the live database is exactly as it was
    assert target.scalar(select(func.count()).select_from(AuditEvent)) == before
    assert target.scalar(select(Parcel.state).where(Parcel.id == kept)) == "planned"
    with pytest.raises(BackupRefused):
        restore(target.url, file, pg_bin_dir=Settings().pg_bin_dir)
    if target.backend == "sqlite":  # no scratch copy left beside the live file
        live = Path(target.url.removeprefix("sqlite:///"))
        assert sorted(p.name for p in live.parent.iterdir() if ".restore-" in p.name) == []
    else:  # nor a scratch database
        left = target.scalar(text("SELECT count(*) FROM pg_database WHERE datname LIKE :n")
                             .bindparams(n=f"{target.name}_restore_%"))
        assert left == 0


def test_a_file_that_is_no_backup_is_refused(tmp_path):
    junk = tmp_path / "landflow.sqlite3"  # named like a database, but it is not one
    junk.write_bytes(b"%PDF-1.7 not a database")
    with pytest.raises(BackupError, match="neither"):
        restore(f"sqlite:///{tmp_path / 'x.sqlite3'}", junk)
