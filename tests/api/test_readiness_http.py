"""/readyz: ready only when the database answers and is at this code's migration head."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from api import create_app
from tests.conftest import _create_pg_database, _drop_pg_database, pg_url
from workflow.config import Settings
from workflow.operator.migrate import current_head, upgrade
from workflow.runtime import Runtime


@pytest.fixture
def fresh_url(backend, tmp_path):
    """An empty database of the session's backend, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ready.sqlite3'}"
        return
    base = pg_url()
    name = f"landflow_ready_{uuid.uuid4().hex[:8]}"
    url = _create_pg_database(base, name)
    yield url
    _drop_pg_database(base, name)


def _client(url):
    rt = Runtime.from_settings(Settings(database_url=url, secret_key="test-secret"))
    return rt, create_app(runtime=rt, testing=True).test_client()


def test_readyz_is_200_at_the_head_without_a_token(client):
    r = client.http.get("/readyz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ready", "checks": {"database": "ok", "migration": "ok"}}


def test_readyz_is_503_when_the_database_is_behind_the_code(fresh_url):
    rt, http = _client(fresh_url)
    try:
        r = http.get("/readyz")  # never migrated
        assert r.status_code == 503
        assert r.get_json()["checks"] == {"database": "ok", "migration": "behind"}
        upgrade(fresh_url, "0007")
        r = http.get("/readyz")
        assert r.status_code == 503 and r.get_json()["checks"]["migration"] == "behind"
        assert "0007" not in r.get_data(as_text=True)  # anonymous callers learn no revision
        upgrade(fresh_url)
        assert http.get("/readyz").status_code == 200
        with rt.engine.begin() as conn:  # migrated by a newer release than this code
            conn.execute(text("UPDATE alembic_version SET version_num = 'zz_newer'"))
        r = http.get("/readyz")
        assert r.status_code == 503 and r.get_json()["checks"]["migration"] == "unknown"
        with rt.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :h"),
                         {"h": current_head()})
        # /healthz stays minimal: it asks nothing of the migration
        assert http.get("/healthz").get_json() == {"status": "ok"}
    finally:
        rt.engine.dispose()


def test_readyz_is_503_when_the_database_does_not_answer(tmp_path):
    rt, http = _client(f"sqlite:///{tmp_path / 'missing-dir' / 'x.sqlite3'}")
    r = http.get("/readyz")
    assert r.status_code == 503
    assert r.get_json() == {"status": "not ready",
                            "checks": {"database": "unavailable", "migration": "not checked"}}
    rt.engine.dispose()
