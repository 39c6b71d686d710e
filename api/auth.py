"""Bearer-token authentication and role checks for the HTTP adapter."""

from __future__ import annotations

from flask import current_app, g, request

from workflow.accounts import authenticate
from workflow.actors import Actor
from workflow.errors import Forbidden, Unauthenticated


def current_actor() -> Actor:
    """The authenticated actor of this request (401 without a valid bearer token)."""
    actor = g.get("actor")
    if actor is not None:
        return actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    runtime = current_app.extensions["landflow"]
    actor = authenticate(runtime.reader(), token.strip())
    g.actor = actor
    return actor


def require_role(*roles: str) -> Actor:
    actor = current_actor()
    if actor.role not in roles:
        raise Forbidden({"role": actor.role})
    return actor
