"""The Flask application factory."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from api import (
    audit,
    certificates,
    console,
    deadlines,
    docs,
    documents,
    exports,
    health,
    layers,
    ledgers,
    metrics,
    parcels,
    portal,
    webhooks,
)
from api.auth import current_actor
from api.base import Api, OrjsonProvider
from api.commands import register_commands
from api.errors import STATUS_BY_CODE, register_error_handlers
from api.inputs import check_path_and_query, refuse_unknown_query
from api.observe import register_observation
from workflow.codes import CODES
from workflow.config import Settings
from workflow.documents.store import store_for
from workflow.observability.logs import configure_logging
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
    if not testing:
        configure_logging(settings.log_format, settings.log_level)
    app = Flask("landflow")
    app.json = OrjsonProvider(app)
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
    if settings.trusted_proxies:
        # Only as many X-Forwarded-For entries as there are proxies of ours are believed: a
        # client cannot pick its own address (and with it its failure count) by sending one.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["landflow"] = runtime
    # Built now, so that a document store that cannot work (s3 without boto3 or a bucket, an
    # unknown kind) stops the server at start with one sentence, not the first upload.
    app.extensions["landflow.documents"] = store_for(settings)
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
    api.register_blueprint(layers.blp)
    api.register_blueprint(documents.blp)
    app.register_blueprint(docs.blp)
    console.init_app(app)
    app.register_blueprint(metrics.blp)
    exports.document_file_formats(api.spec)
    register_error_handlers(app)
    # First of the hooks: a request refused by authentication is observed too.
    register_observation(app)
    app.before_request(_authenticate)
    app.before_request(documents.allow_uploads)
    app.before_request(_refuse_long_streams)
    # After authentication: an anonymous caller learns nothing from validation.
    app.before_request(check_path_and_query)
    app.before_request(refuse_unknown_query)
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



def _refuse_long_streams() -> None:
    """A body sent without Content-Length (chunked) is cut off by werkzeug at
    MAX_CONTENT_LENGTH without an error, and the parser would then call the cut JSON a 400. It
    is read here once (cached for the parser); if more follows the limit, it is the 413 that
    a body declaring its length gets before it is read."""
    if request.content_length is not None or \
            "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    limit = request.max_content_length
    if limit is None or len(request.get_data(cache=True)) < limit:
        return
    if request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
