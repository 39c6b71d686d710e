"""Migrations create the whole schema on an empty database, and agree with the models."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import workflow.models  # noqa: F401 - fills the metadata
from tests.conftest import _create_pg_database, _drop_pg_database, pg_url
from workflow.models.base import Base
from workflow.models.spatial import managed_outside_metadata
from workflow.operator.migrate import current_head, upgrade
from workflow.runtime import make_engine


def _check(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": False,
                "include_name": lambda name, type_, _: not managed_outside_metadata(name, type_)})
            diff = compare_metadata(ctx, Base.metadata)
            assert diff == [], diff
            assert ctx.get_current_revision() == current_head()
            tables = set(inspect(conn).get_table_names())
            assert set(Base.metadata.tables) <= tables
    finally:
        engine.dispose()


def test_upgrade_head_on_an_empty_sqlite_database_matches_the_models(tmp_path):
    _check(f"sqlite:///{tmp_path / 'empty.sqlite3'}")


@pytest.mark.postgres_only
def test_upgrade_head_on_an_empty_postgresql_database_matches_the_models():
    base = pg_url()
    assert base is not None
    name = f"landflow_migr_{uuid.uuid4().hex[:8]}"
    url = _create_pg_database(base, name)
    try:
        _check(url)
    finally:
        _drop_pg_database(base, name)


def test_revision_files_do_not_import_live_models():
    from pathlib import Path

    for path in (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import workflow" not in text and "from workflow" not in text, path.name


def test_every_migration_downgrades_and_upgrades_again(tmp_path):
    from alembic import command

    from workflow.operator.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    _check(url)
