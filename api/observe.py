"""Every request observed once: its latency into ``landflow_http_request_duration_seconds``
(labelled by the route's URL rule, never the raw URL, so that ids do not make new series), and
one structured log line (``workflow.observability.logs``) under its request id.

The request id is the caller's ``X-Request-Id`` when it is a sane token (a proxy or the portal
gateway may set one to follow a request across systems), else a new one; it is echoed in the
response and bound to every log line written while the request runs.

Registered first of the request hooks, so that a request refused by authentication is timed
and logged too.
"""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, g, request

from workflow.observability import logs
from workflow.observability.metrics import HTTP_REQUEST_SECONDS

REQUEST_ID_HEADER = "X-Request-Id"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
# Probes and scrapes every few seconds: logged at debug level only.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

log = logs.get_logger("landflow.request")


def route_label() -> str:
    """The URL rule the request matched (``/api/v1/parcels/<int:parcel_id>``), or
    ``unmatched`` for a 404 or 405 on a path no route has."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def request_id() -> str:
    rid = g.get("request_id")
    if rid is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        rid = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_id = rid
    return rid  # type: ignore[no-any-return]


def _transition() -> str | None:
    endpoint = request.endpoint or ""
    name = endpoint.rpartition(".")[2]
    if name.startswith("fire_"):
        return name[len("fire_"):]
    if endpoint == "parcels.survey":
        return "survey"
    if endpoint == "parcels.add_record":
        return "record"
    return None


def _outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status in (401, 403, 429, 431):
        return "denied"
    return "refused" if status < 500 else "error"


def _start() -> None:
    g.started = time.perf_counter()
    logs.clear()
    logs.bind(request_id=request_id())


def _finish(response: Response) -> Response:
    started = g.get("started")
    elapsed = time.perf_counter() - started if started is not None else 0.0
    route = route_label()
    status = response.status_code
    HTTP_REQUEST_SECONDS.labels(request.method, route, str(status)).observe(elapsed)
    response.headers[REQUEST_ID_HEADER] = request_id()
    actor = g.get("actor")
    fields = {
        "method": request.method, "route": route, "path": request.path, "status": status,
        "duration_ms": round(elapsed * 1000, 2), "outcome": _outcome(status),
        "user": actor.name if actor is not None else None,
        "role": actor.role if actor is not None else None,
        "parcel": (request.view_args or {}).get("parcel_id"),
        "transition": _transition(),
        "code": g.get("problem_code"),
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    if route in QUIET_ROUTES and status < 400:
        log.debug("request", **fields)
    elif status >= 500:
        log.error("request", **fields)
    else:
        log.info("request", **fields)
    return response


def _teardown(_: BaseException | None) -> None:
    logs.clear()


def register_observation(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_teardown)
