"""Running the Alembic migrations from code (``landflow db upgrade`` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class NotAnUpgrade(Exception):
    """The target lies behind the database's revision: an upgrade would silently do nothing."""

    def __init__(self, current: str, target: str) -> None:
        self.current, self.target = current, target
        super().__init__(f"the database is at {current}; upgrading never goes back to {target}")


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, revision: str = "head",
            connection: Connection | None = None) -> None:
    """Migrate forward to ``revision``. A target behind the database (``base``, an older
    revision) is refused (``NotAnUpgrade``): Alembic would do nothing and say nothing."""
    if revision not in ("head", "heads"):
        _check_forward(url, revision, connection)
    command.upgrade(alembic_config(url, connection), revision)


def _check_forward(url: str | None, revision: str, connection: Connection | None) -> None:
    current = database_revision(url, connection)
    if current is None or revision.startswith(("+", "-")):
        return  # an empty database, or a step Alembic counts (and refuses) itself
    script = ScriptDirectory.from_config(alembic_config())
    target = script.get_revision(revision)  # raises for an unknown revision
    behind = {r.revision for r in script.iterate_revisions(current, "base")} - {current}
    if target is None or target.revision in behind:
        raise NotAnUpgrade(current, revision)


def database_revision(url: str | None = None, connection: Connection | None = None
                      ) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    if connection is not None:
        return MigrationContext.configure(connection).get_current_revision()
    from workflow.config import Settings
    from workflow.runtime import make_engine

    engine = make_engine(url or Settings.from_env().database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def current_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
