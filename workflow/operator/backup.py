"""Backups and restores of the whole database (``landflow backup FILE`` / ``restore FILE``).

PostgreSQL: ``pg_dump`` in its custom format (compressed, restorable table by table with
``pg_restore``). SQLite: the online backup API, a consistent copy of a live database page by
page, taken while the service keeps running.

A restore never goes straight into the live database. The backup is first restored into a
scratch database (a new PostgreSQL database beside the target; a file beside the SQLite file),
migrated to this code's head and its audit chains verified (``workflow.audit.verify_chains``:
every link, every parcel's anchored tail, every stream's head). A backup whose chain does not
verify is refused and the scratch copy dropped: the live database is untouched. Only a backup
that verifies replaces it (PostgreSQL: the target is dropped and the scratch database renamed
to it; SQLite: the backup API copies the scratch file over the live one).

Documents' bytes (``workflow.documents``) live outside the database; back up their store
(``LANDFLOW_DOCUMENTS_DIR`` or the bucket) beside the database backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from workflow.audit import BrokenLink, verify_chains
from workflow.operator.migrate import alembic_config, database_revision, upgrade
from workflow.runtime import make_engine, normalise_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says what to do."""


class BackupRefused(BackupError):
    """The backup's audit chain does not verify: it is not restored."""

    def __init__(self, broken: BrokenLink) -> None:
        self.broken = broken
        super().__init__(
            f"refused: the backup's audit chain is broken at {broken.stream} "
            f"#{broken.stream_seq} (event {broken.event_id}): {broken.reason}; "
            "the live database was not touched")


@dataclass
class BackupReport:
    path: Path
    kind: str
    bytes: int


@dataclass
class RestoreReport:
    kind: str
    revision: str | None
    streams: int
    events: int


# --- backup ------------------------------------------------------------------------------------


def backup(database_url: str, target: Path, *, pg_bin_dir: str = "") -> BackupReport:
    """Write a backup of the database at ``database_url`` to ``target``."""
    url = make_url(normalise_url(database_url))
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), target)
        kind = "sqlite"
    elif url.get_backend_name() == "postgresql":
        partial = target.with_name(target.name + ".partial")
        _run([_tool(pg_bin_dir, "pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
              f"--file={partial}"], url)
        partial.replace(target)  # a failed dump never leaves a file that looks like a backup
        kind = "postgresql"
    else:
        raise BackupError(f"cannot back up a {url.get_backend_name()} database")
    return BackupReport(target, kind, target.stat().st_size)


def backup_kind(path: Path) -> str:
    """What a backup file holds, from its first bytes (not its name)."""
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump custom-format file")


# --- restore -----------------------------------------------------------------------------------


def restore(database_url: str, source: Path, *, pg_bin_dir: str = "",
            progress: Callable[[int, int], None] | None = None) -> RestoreReport:
    """Restore ``source`` over the database at ``database_url`` if its audit chains verify
    (``BackupRefused`` otherwise, the live database untouched)."""
    url = make_url(normalise_url(database_url))
    kind = backup_kind(source)
    backend = url.get_backend_name()
    if kind != backend:
        raise BackupError(f"{source} is a {kind} backup; the database is {backend}")
    if kind == "sqlite":
        return _restore_sqlite(url, source, progress)
    return _restore_postgresql(url, source, pg_bin_dir, progress)


def _verify_scratch(scratch_url: str, progress: Callable[[int, int], None] | None
                    ) -> RestoreReport:
    """Migrate the scratch copy to this code's head and walk its chains."""
    revision = database_revision(scratch_url)
    if revision is None:
        raise BackupError("the backup holds no Landflow database (no migration revision)")
    script = ScriptDirectory.from_config(alembic_config())
    if revision not in {r.revision for r in script.walk_revisions()}:
        raise BackupError(f"the backup is at revision {revision}, which this version of "
                          "Landflow does not know: restore it with the release that made it")
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    try:
        with Session(engine) as session:
            report = verify_chains(session, progress=progress)
    finally:
        engine.dispose()
    if report.broken is not None:
        raise BackupRefused(report.broken)
    return RestoreReport("", database_revision(scratch_url), report.streams, report.events)


def _restore_sqlite(url: URL, source: Path, progress: Callable[[int, int], None] | None
                    ) -> RestoreReport:
    live = _sqlite_path(url)
    live.parent.mkdir(parents=True, exist_ok=True)
    scratch = live.with_name(f".{live.name}.restore-{uuid.uuid4().hex[:8]}")
    try:
        _sqlite_copy(source, scratch)
        report = _verify_scratch(f"sqlite:///{scratch}", progress)
        _sqlite_copy(scratch, live)
    finally:
        for leftover in (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm")):
            leftover.unlink(missing_ok=True)
    report.kind = "sqlite"
    return report


def _restore_postgresql(url: URL, source: Path, pg_bin_dir: str,
                        progress: Callable[[int, int], None] | None) -> RestoreReport:
    target = url.database
    if not target:
        raise BackupError("the PostgreSQL URL names no database")
    scratch = f"{target}_restore_{uuid.uuid4().hex[:8]}"[:63]
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        swapped = False
        try:
            scratch_url = url.set(database=scratch)
            _run([_tool(pg_bin_dir, "pg_restore"), "--no-owner", "--no-privileges",
                  "--exit-on-error", f"--dbname={scratch}", str(source)], scratch_url)
            report = _verify_scratch(scratch_url.render_as_string(hide_password=False),
                                     progress)
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
                conn.execute(text(f'ALTER DATABASE "{scratch}" RENAME TO "{target}"'))
            swapped = True
        finally:
            if not swapped:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    finally:
        admin.dispose()
    report.kind = "postgresql"
    return report


# --- helpers -----------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy even while the source is written."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _tool(pg_bin_dir: str, name: str) -> str:
    if pg_bin_dir and (Path(pg_bin_dir) / name).exists():
        return str(Path(pg_bin_dir) / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client "
                          "(postgresql-client) or set LANDFLOW_PG_BIN_DIR")
    return found


def _run(argv: list[str], url: URL) -> None:
    """Run a PostgreSQL client with the connection in its environment (the password never
    on a command line another user could read)."""
    env = {**os.environ, "PGHOST": url.host or "", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "", "PGDATABASE": url.database or ""}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {done.stderr.strip()[-2000:]}")
