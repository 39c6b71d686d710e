"""Every request observed once: its latency into ``landflow_http_request_duration_seconds``
(labelled by the route's URL rule, never the raw URL, so that ids do not make new series).

Registered first of the request hooks, so that a request refused by authentication is timed
too.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from workflow.observability.metrics import HTTP_REQUEST_SECONDS


def route_label() -> str:
    """The URL rule the request matched (``/api/v1/parcels/<int:parcel_id>``), or
    ``unmatched`` for a 404 or 405 on a path no route has."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def _start() -> None:
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("started")
    if started is not None:
        elapsed = time.perf_counter() - started
        HTTP_REQUEST_SECONDS.labels(request.method, route_label(),
                                    str(response.status_code)).observe(elapsed)
    return response


def register_observation(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
