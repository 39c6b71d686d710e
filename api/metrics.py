"""/metrics: the Prometheus exposition of ``workflow.observability.metrics``, for a scraper
on an internal network or one that holds the metrics token.

Who may scrape: a client whose address is in ``LANDFLOW_METRICS_NETWORKS`` (loopback by
default), or one that sends ``Authorization: Bearer <LANDFLOW_METRICS_TOKEN>``. Anyone else gets
403; with neither setting, /metrics does not exist (404). Behind a reverse proxy set
``LANDFLOW_TRUSTED_PROXIES``, or the proxy's own address is the one judged.
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import cache

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.auth import client_address
from api.base import runtime
from workflow.errors import Forbidden, NotFound
from workflow.observability.metrics import LagCollector, LagSample, lag_samples, scrape_registry

blp = Blueprint("metrics", __name__)


@cache
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in spec.split(",") if part.strip())


def may_scrape() -> None:
    """Raise unless this request may read the metrics."""
    settings = runtime().settings
    token = settings.metrics_token
    networks = _networks(settings.metrics_networks)
    if not token and not networks:
        raise NotFound({"what": "/metrics"})
    if token:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
                presented.strip().encode(), token.encode()):
            return
    try:
        address = ipaddress.ip_address(client_address())
    except ValueError:
        address = None
    if address is not None and any(address in net for net in networks):
        return
    raise Forbidden({"role": "metrics"})


def _lag() -> list[LagSample]:
    with runtime().reader() as uow:
        return lag_samples(uow.session, uow.now(), uow.today())


@blp.route("/metrics", methods=["GET"])
def metrics() -> Response:
    """Every metric of every worker, plus the lag figures read from the database now."""
    may_scrape()
    body = generate_latest(scrape_registry([LagCollector(_lag)]))
    return Response(body, mimetype=None, content_type=CONTENT_TYPE_LATEST)
