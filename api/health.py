"""/healthz: the service is up and its database answers (for anyone: a load balancer, a
probe); /api/v1/health: which database and migration, for administrators only (what runs
where is of use to an attacker, not to a probe)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import text

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
