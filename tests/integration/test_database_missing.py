"""A database that does not exist or cannot be reached (issue 14, item 2): created when the
server lets us, otherwise one sentence saying what to do — never a traceback."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import pg_url
from workflow import config as cfg


@pytest.fixture
def env(monkeypatch):
    for spec in cfg.SPECS:
        monkeypatch.delenv(spec.env, raising=False)
    monkeypatch.setenv("LANDFLOW_SECRET_KEY", "test-secret")
    monkeypatch.setenv("LANDFLOW_CONFIG", "/dev/null")
    return monkeypatch


def run(*args: str):
    from api.cli import cli

    return CliRunner().invoke(cli, list(args))


def admin():
    base = pg_url()
    assert base is not None
    return create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")


def test_an_unreachable_server_is_one_sentence(env):
    env.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/landflow")
    for args in (("db", "upgrade"), ("users", "list")):
        out = run(*args)
        assert out.exit_code == 1
        assert "cannot reach PostgreSQL at 127.0.0.1:1" in out.output
        assert "Traceback" not in out.output and len(out.output.strip().splitlines()) == 1


@pytest.mark.postgres_only
def test_db_upgrade_creates_a_missing_database(env):
    name = f"landflow_new_{uuid.uuid4().hex[:8]}"
    url = make_url(pg_url()).set(database=name).render_as_string(hide_password=False)
    env.setenv("DATABASE_URL", url)
    try:
        out = run("db", "upgrade")
        assert out.exit_code == 0, out.output
        assert f"created the database {name}" in out.output and "(head)" in out.output
    finally:
        engine = admin()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.mark.postgres_only
def test_a_missing_database_not_to_be_created_says_what_to_do(env):
    name = f"landflow_none_{uuid.uuid4().hex[:8]}"
    url = make_url(pg_url()).set(database=name).render_as_string(hide_password=False)
    env.setenv("DATABASE_URL", url)
    env.setenv("LANDFLOW_CREATE_DATABASE", "false")
    out = run("db", "upgrade")
    assert out.exit_code == 1
    assert f"the database {name} does not exist" in out.output
    assert f"createdb -O postgres {name}" in out.output and "Traceback" not in out.output
    # Any other command on it: the same kind of sentence.
    out = run("users", "list")
    assert out.exit_code == 1 and f"the database {name} does not exist" in out.output


@pytest.mark.postgres_only
def test_a_role_that_may_not_create_databases_is_told_whom_to_ask(env):
    role, name = f"lf_nocreate_{uuid.uuid4().hex[:6]}", f"landflow_x_{uuid.uuid4().hex[:8]}"
    engine = admin()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOCREATEDB'))
    try:
        url = make_url(pg_url()).set(database=name, username=role, password=None)
        env.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
        out = run("db", "upgrade")
        if "refused the user" in out.output:
            pytest.fail(f"the server refuses a password-less role here: {out.output}")
        assert out.exit_code == 1
        assert f"the role {role} may not create databases" in out.output
        assert f"createdb -O {role} {name}" in out.output and "Traceback" not in out.output
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        engine.dispose()
