"""/healthz: the service is up and its database answers."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import text

from api.base import Blueprint
from api.base import runtime as current_runtime

blp = Blueprint("health", __name__, description="Liveness")


class HealthOut(Schema):
    status = fields.String()
    database = fields.String()
    migration = fields.String(allow_none=True)


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthOut)
@blp.doc(security=[])
def healthz() -> Any:
    """200 when the service is up and the database answers; 503 otherwise."""
    runtime = current_runtime()
    try:
        with runtime.engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return {"status": "unavailable", "database": "down", "migration": None}, 503
    return {"status": "ok", "database": runtime.engine.dialect.name, "migration": version}
