"""/healthz: the service is up and its database answers (for anyone: a load balancer, a
probe); /readyz: the database answers and is migrated to exactly the head this code knows, so
that a rolling deploy sends traffic only to a worker whose schema is in place (503 otherwise,
naming which check failed but no revision); /api/v1/health: which database and migration, for
administrators only (what runs where is of use to an attacker, not to a probe)."""

from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import inspect, text

from api.auth import require_role
from api.base import Blueprint
from api.base import runtime as current_runtime

blp = Blueprint("health", __name__, description="Liveness")


class LivenessOut(Schema):
    status = fields.String()


class HealthOut(Schema):
    status = fields.String()
    database = fields.String()
    migration = fields.String(allow_none=True)
    head = fields.String(metadata={"description": "The newest migration this code knows"})
    up_to_date = fields.Boolean()


class ReadinessOut(Schema):
    status = fields.String(metadata={"description": "ready, or not ready"})
    checks = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "database: ok | unavailable; migration: ok | behind (run `landflow db "
                       "upgrade`) | unknown (the database was migrated by newer code) | "
                       "not checked"})


@cache
def _head() -> str:
    from workflow.operator.migrate import current_head

    return current_head()


@cache
def _known_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    from workflow.operator.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(r.revision for r in script.walk_revisions())


def _migration() -> str | None:
    """The database's migration; raises when the database does not answer."""
    with current_runtime().engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@blp.route("/healthz", methods=["GET"])
@blp.response(200, LivenessOut)
@blp.doc(security=[])
def healthz() -> Any:
    """200 when the service is up and the database answers; 503 otherwise."""
    try:
        _migration()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return {"status": "unavailable"}, 503
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.response(200, ReadinessOut)
@blp.doc(security=[])
def readyz() -> Any:
    """200 when the database answers and is at the migration head of this code; 503 when it
    does not answer, was never migrated or is behind (and when it is at a revision this code
    does not know)."""
    try:
        with current_runtime().engine.connect() as conn:
            # (Not Alembic's MigrationContext: it logs two lines on every probe.)
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                if inspect(conn).has_table("alembic_version") else None  # never migrated
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return {"status": "not ready",
                "checks": {"database": "unavailable", "migration": "not checked"}}, 503
    if version == _head():
        return {"status": "ready", "checks": {"database": "ok", "migration": "ok"}}
    state = "behind" if version is None or version in _known_revisions() else "unknown"
    return {"status": "not ready", "checks": {"database": "ok", "migration": state}}, 503


@blp.route("/api/v1/health", methods=["GET"])
@blp.response(200, HealthOut)
def health() -> Any:
    """The database kind and its migration against the code's (admin)."""
    from workflow.operator.migrate import current_head

    require_role("admin")
    head = current_head()
    name = current_runtime().engine.dialect.name
    try:
        version = _migration()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return {"status": "unavailable", "database": name, "migration": None, "head": head,
                "up_to_date": False}, 503
    return {"status": "ok", "database": name, "migration": version, "head": head,
            "up_to_date": version == head}
