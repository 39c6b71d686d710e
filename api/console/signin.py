"""The console's sign-in plumbing: the session cookie, the signed-in actor of a request, CSRF,
the language switch and the security headers of every console response."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from api.base import runtime
from workflow.access import Actor
from workflow.accounts.sessions import session_actor

AUTH_COOKIE = "landflow_session"
COOKIE_PATH = "/console"
csrf = CSRFProtect()
F = TypeVar("F", bound=Callable[..., Any])

# Everything the console loads comes from this origin (no CDN; county networks are often
# closed); inline styles only for Leaflet's positioning.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'; object-src 'none'")


def init_app(app: Flask) -> None:
    """Flask's (signed) cookie session carries only the CSRF secret and the language; who is
    signed in lives on the server (``console_sessions``)."""
    settings = runtime_of(app).settings
    secret = settings.secret_key or secrets.token_hex(32)
    app.secret_key = hmac.new(secret.encode(), b"landflow-console", hashlib.sha256).hexdigest()
    app.config.update(
        SESSION_COOKIE_NAME="landflow_console",
        SESSION_COOKIE_PATH=COOKIE_PATH,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.console_cookie_secure,
        # Forms are checked where the console asks (every POST under /console/), never on the
        # API, whose callers carry bearer tokens and no cookies.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
    )
    csrf.init_app(app)


def runtime_of(app: Flask) -> Any:
    return app.extensions["landflow"]


def load_actor() -> None:
    """Before every console request: who is signed in (one indexed read), and for a POST the
    CSRF token (Flask-WTF) — a post without one is refused before any view runs."""
    g.console_actor = None
    token = request.cookies.get(AUTH_COOKIE)
    if token and len(token) <= 100:
        g.console_actor = session_actor(runtime().quick_reader(), token)
    if request.method == "POST":
        csrf.protect()


def me() -> Actor:
    actor: Actor | None = g.get("console_actor")
    assert actor is not None, "view reached without sign-in"
    return actor


def public(view: F) -> F:
    view._console_public = True  # type: ignore[attr-defined]
    return view


def require_sign_in(view_functions: dict[str, Any]) -> Response | None:
    endpoint = request.endpoint or ""
    if endpoint == "console.static":
        return None
    view = view_functions.get(endpoint)
    if view is None or getattr(view, "_console_public", False):
        return None
    if g.get("console_actor") is None:
        nxt = request.full_path if request.method == "GET" else None
        return redirect(url_for("console.login", next=nxt), code=303)  # type: ignore[return-value]
    return None


def set_auth_cookie(response: Response, token: str, max_age: int) -> None:
    response.set_cookie(AUTH_COOKIE, token, max_age=max_age, path=COOKIE_PATH, httponly=True,
                        secure=runtime().settings.console_cookie_secure, samesite="Lax")


def clear_auth_cookie(response: Response) -> None:
    response.delete_cookie(AUTH_COOKIE, path=COOKIE_PATH, httponly=True,
                           secure=runtime().settings.console_cookie_secure, samesite="Lax")


def lang() -> str:
    return session.get("lang", "zh") if session.get("lang") in ("zh", "en") else "zh"


def t(zh: str, en: str) -> str:
    """Chinese first; English when the user switched to it."""
    return en if lang() == "en" else zh


def harden(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
