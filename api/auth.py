"""Bearer-token authentication and role checks for the HTTP adapter."""

from __future__ import annotations

from flask import g, request

from api.base import runtime as current_runtime
from workflow.access import Actor
from workflow.accounts.ratelimit import Blocked, failure_keys, record_failure
from workflow.accounts.services import authenticate
from workflow.errors import Forbidden, LandflowError, Unauthenticated
from workflow.observability import logs

# Tokens are 46 characters; a header far longer is no token, and is refused before it is
# hashed, looked up or counted.
MAX_AUTHORIZATION_CHARS = 1024
CHALLENGE = 'Bearer realm="landflow"'


class RateLimited(LandflowError):
    code = "RATE_LIMITED"


class HeaderTooLarge(LandflowError):
    code = "HEADER_TOO_LARGE"


def client_address() -> str:
    """The client's address: the peer, or what the trusted proxies in front of us say
    (``LANDFLOW_TRUSTED_PROXIES``, applied by werkzeug's ``ProxyFix`` in ``create_app``)."""
    return (request.remote_addr or "unknown")[:64]


def current_actor() -> Actor:
    """The authenticated actor of this request (401 without a valid bearer token)."""
    actor = g.get("actor")
    if actor is not None:
        return actor
    header = request.headers.get("Authorization", "")
    if len(header) > MAX_AUTHORIZATION_CHARS:
        raise HeaderTooLarge({"limit": MAX_AUTHORIZATION_CHARS})
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated(headers={"WWW-Authenticate": CHALLENGE})
    runtime = current_runtime()
    client = client_address()
    try:
        actor = authenticate(runtime.quick_reader(), token, client=client,
                             failure_limit=runtime.settings.auth_failures_per_minute)
    except Blocked as blocked:
        wait = blocked.retry_after
        raise RateLimited({"retry_after": wait}, headers={"Retry-After": str(wait)}) from None
    except Unauthenticated:
        record_failure(runtime.uow(), failure_keys(client, token))
        raise Unauthenticated(headers={
            "WWW-Authenticate": CHALLENGE + ', error="invalid_token"'}) from None
    g.actor = actor
    logs.bind(user=actor.name, role=actor.role)
    return actor


def require_role(*roles: str) -> Actor:
    actor = current_actor()
    if actor.role not in roles:
        raise Forbidden({"role": actor.role})
    return actor
