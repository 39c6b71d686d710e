"""The stack floor: the least any Flask app on Landflow's stack can do for bench/transitions.py.

    FLOOR_DATABASE_URL=postgresql+psycopg://… FLOOR_TOWNSHIP_ID=1 FLOOR_QUOTA_ACCOUNT_ID=1 \\
    FLOOR_DRIVER=psycopg gunicorn --workers 4 bench.floor_app:app

Plain Flask, no Landflow code: it answers the requests the bench clients send (POST
/api/v1/parcels, …/transitions/<name>, …/records) by checking the bearer token with one SELECT
on its hash, parsing the JSON body and running, in one transaction, exactly the statements the
raw SQL run of bench/transitions.py runs for the same step (``raw_survey``, ``raw_step``,
``raw_event`` are shared, not copied). Served by gunicorn with the app's workers and settings and
driven by the same client code, its rate over the raw SQL's is the ceiling that HTTP, Flask,
gunicorn and the Python clients put on any app on this machine; the app's rate over the floor's
is what Landflow's own work costs.

FLOOR_DRIVER picks how the statements reach PostgreSQL: ``psycopg`` (one bare connection per
worker, as the raw clients do) or ``core`` (SQLAlchemy Core: ``engine.connect()`` per request
and each statement a ``text()`` construct, the layer the app could at least keep).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from flask import Flask, request
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import TextClause
from werkzeug.exceptions import HTTPException

from bench.transitions import STEP_TARGETS, raw_event, raw_step, raw_survey

URL = os.environ.get("FLOOR_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DRIVER = os.environ.get("FLOOR_DRIVER", "psycopg")
TOWNSHIP_ID = int(os.environ.get("FLOOR_TOWNSHIP_ID", "0"))
QUOTA_ACCOUNT_ID = int(os.environ.get("FLOOR_QUOTA_ACCOUNT_ID", "0"))
AUTH_SQL = ("SELECT a.id, a.role, a.active, t.expires_at, t.revoked_at FROM api_tokens t "
            "JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = %s")

if DRIVER not in ("psycopg", "core"):
    raise SystemExit(f"FLOOR_DRIVER must be psycopg or core, not {DRIVER!r}")


class CoreCursor:
    """The two cursor calls the raw statements make (``execute`` with ``%s`` parameters,
    ``fetchone``) on a SQLAlchemy Core connection, so that the very same statements run through
    the Core's compile cache and result layer. Each statement becomes one ``text()`` construct,
    built on first use and kept."""

    _texts: dict[str, TextClause] = {}

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.result: Any = None

    def execute(self, sql: str, params: tuple = ()) -> None:
        stmt = self._texts.get(sql)
        if stmt is None:
            head, *rest = sql.split("%s")
            stmt = self._texts[sql] = text(
                head + "".join(f":p{i}{part}" for i, part in enumerate(rest)))
        self.result = self.conn.execute(stmt, {f"p{i}": v for i, v in enumerate(params)})

    def fetchone(self) -> Any:
        return self.result.fetchone()


_conn: psycopg.Connection | None = None  # the worker's one connection (FLOOR_DRIVER=psycopg)
_engine: Engine | None = None  # the worker's one-connection pool (FLOOR_DRIVER=core)


def connect() -> None:
    """Open the worker's connection (or the engine's one, which also loads the dialect)."""
    global _conn, _engine
    if DRIVER == "psycopg":
        _conn = psycopg.connect(URL.replace("postgresql+psycopg://", "postgresql://"))
        return
    _engine = create_engine(URL, pool_size=1, max_overflow=0)
    _engine.connect().close()


@contextmanager
def transaction() -> Iterator[Any]:
    """One transaction on the worker's one connection."""
    if DRIVER == "psycopg":
        if _conn is None or _conn.closed:
            connect()
        assert _conn is not None
        with _conn.transaction(), _conn.cursor() as cur:
            yield cur
        return
    if _engine is None:
        connect()
    assert _engine is not None
    with _engine.connect() as conn, conn.begin():
        yield CoreCursor(conn)


class Refused(HTTPException):
    def __init__(self, code: int, what: str) -> None:
        super().__init__(what)
        self.code = code


def authenticate(cur: Any, role: str) -> int:
    """The account id behind the bearer token, which must hold ``role``: one SELECT on the
    token's hash, as the app makes."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(401, "UNAUTHENTICATED")
    cur.execute(AUTH_SQL, (hashlib.sha256(token.strip().encode()).hexdigest(),))
    row = cur.fetchone()
    if (row is None or not row[2] or row[4] is not None
            or (row[3] is not None and row[3] <= datetime.now(UTC))):
        raise Refused(401, "UNAUTHENTICATED")
    if row[1] != role:
        raise Refused(403, "FORBIDDEN")
    return row[0]


app = Flask(__name__)
if os.environ.get("FLOOR_TOWNSHIP_ID"):
    # Served (each gunicorn worker imports this module after the fork, there being no
    # --preload): connect now, not on the first timed request.
    connect()


@app.errorhandler(HTTPException)
def problem(e: HTTPException) -> tuple[dict, int]:
    return {"code": e.description, "status": e.code}, e.code or 500


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.post("/api/v1/parcels")
def survey() -> tuple[dict, int]:
    body = request.get_json()
    with transaction() as cur:
        authenticate(cur, "clerk")
        pid = raw_survey(cur, body["code"], TOWNSHIP_ID)
        raw_event(cur, pid, "survey", None, "surveyed", False)
    return {"parcel": {"id": pid, "state": "surveyed"}}, 201


def step(pid: int, name: str, role: str) -> dict:
    request.get_json()
    with transaction() as cur:
        authenticate(cur, role)
        state = raw_step(cur, pid, name, QUOTA_ACCOUNT_ID)
    return {"parcel": {"id": pid, "state": state}}


@app.post("/api/v1/parcels/<int:pid>/transitions/<name>")
def transition(pid: int, name: str) -> dict:
    if name not in STEP_TARGETS or name == "records":
        raise Refused(404, "NOT_FOUND")
    return step(pid, name, "approver" if name == "approve" else "clerk")


@app.post("/api/v1/parcels/<int:pid>/records")
def record(pid: int) -> tuple[dict, int]:
    return step(pid, "records", "clerk"), 201
