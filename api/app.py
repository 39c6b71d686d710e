"""The Flask application factory."""

from __future__ import annotations

from flask import Flask, request

from api import audit, certificates, deadlines, docs, health, ledgers, parcels, portal, webhooks
from api.auth import current_actor
from api.base import Api
from api.commands import register_commands
from api.errors import STATUS_BY_CODE, register_error_handlers
from api.inputs import check_path_and_query
from workflow.codes import CODES
from workflow.config import Settings
from workflow.payloads.fields import date_window
from workflow.runtime import Runtime


def _description() -> str:
    lines = [
        "Landflow carries every parcel of Shizhu County through the land chain "
        "调、规、批、征、供、用、建、验、登. Authenticate with `Authorization: Bearer <token>` "
        "(`landflow users add NAME --role ROLE` prints one). Areas and money travel as decimal "
        "strings, dates as `YYYY-MM-DD` from {} to {}. Errors are RFC 9457 problem documents "
        "(`application/problem+json`) with a stable `code`:".format(*date_window()),
        "",
        "| code | kind | HTTP | message (zh / en) |",
        "|---|---|---|---|",
    ]
    for c in sorted(CODES.values(), key=lambda c: (c.kind, c.code)):
        status = STATUS_BY_CODE.get(c.code, 422)
        lines.append(f"| `{c.code}` | {c.kind} | {status} | {c.zh} / {c.en} |")
    return "\n".join(lines)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None,
               testing: bool = False) -> Flask:
    if runtime is None:
        runtime = Runtime.from_settings(settings or Settings.from_env())
    settings = runtime.settings
    app = Flask("landflow")
    app.config.update(
        TESTING=testing,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE="Landflow",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": _description()},
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["landflow"] = runtime
    api = Api(app)
    api.register_blueprint(health.blp)
    api.register_blueprint(parcels.blp)
    api.register_blueprint(ledgers.quota)
    api.register_blueprint(ledgers.farmland)
    api.register_blueprint(ledgers.tickets)
    api.register_blueprint(deadlines.blp)
    api.register_blueprint(audit.blp)
    api.register_blueprint(portal.blp)
    api.register_blueprint(portal.events)
    api.register_blueprint(webhooks.blp)
    api.register_blueprint(certificates.blp)
    app.register_blueprint(docs.blp)
    register_error_handlers(app)
    app.before_request(_authenticate)
    # After authentication: an anonymous caller learns nothing from validation.
    app.before_request(check_path_and_query)
    register_commands(app)
    return app


PUBLIC_PREFIXES = ("/api/v1/openapi.json",)


def _authenticate() -> None:
    """Every API request but the public ones authenticates before its body is even parsed, so
    that an anonymous caller learns nothing from validation errors."""
    path = request.path
    if not path.startswith("/api/v1/") or path.startswith(PUBLIC_PREFIXES):
        return
    if path.startswith("/api/v1/certificates/") and path.endswith("/verify"):
        return
    current_actor()

