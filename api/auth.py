"""Bearer-token authentication and role checks for the HTTP adapter."""

from __future__ import annotations

from flask import g, request

from api.base import runtime as current_runtime
from workflow.access import Actor
from workflow.accounts.ratelimit import record_failure
from workflow.accounts.services import Blocked, authenticate
from workflow.errors import Forbidden, LandflowError, Unauthenticated


class RateLimited(LandflowError):
    code = "RATE_LIMITED"


def current_actor() -> Actor:
    """The authenticated actor of this request (401 without a valid bearer token)."""
    actor = g.get("actor")
    if actor is not None:
        return actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    runtime = current_runtime()
    client = (request.remote_addr or "unknown")[:64]
    try:
        actor = authenticate(runtime.quick_reader(), token.strip(), client=client,
                             failure_limit=runtime.settings.auth_failures_per_minute)
    except Blocked as blocked:
        wait = blocked.retry_after
        raise RateLimited({"retry_after": wait}, headers={"Retry-After": str(wait)}) from None
    except Unauthenticated:
        record_failure(runtime.uow(), client)
        raise
    g.actor = actor
    return actor


def require_role(*roles: str) -> Actor:
    actor = current_actor()
    if actor.role not in roles:
        raise Forbidden({"role": actor.role})
    return actor
