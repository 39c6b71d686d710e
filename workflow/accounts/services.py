"""Accounts and bearer tokens. A token is shown once at creation; only its SHA-256 is stored
(tokens carry 256 bits of randomness, so a slow hash would add nothing)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, bindparam, select, text

from states import ASSIGNABLE_ROLES
from workflow.access import OPERATOR, Actor
from workflow.accounts.ratelimit import WINDOW, window_start
from workflow.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from workflow.models import Account, ApiToken
from workflow.models.base import UTCDateTime
from workflow.models.repository import find_township
from workflow.uow import UnitOfWork, command

TOKEN_PREFIX = "lf_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class NewAccount:
    account_id: int
    name: str
    role: str
    township: str | None
    token: str


def add_user(uow: UnitOfWork, name: str, role: str, township: str | None = None, *,
             expires_at: datetime | None = None, actor: Actor | None = None) -> NewAccount:
    if role not in {r.value for r in ASSIGNABLE_ROLES}:
        raise ValidationFailed({"role": [f"role must be one of {', '.join(ASSIGNABLE_ROLES)}"]})

    def work(uow: UnitOfWork) -> NewAccount:
        session = uow.session
        if session.execute(select(Account.id).where(Account.name == name)).first():
            raise Conflict({"field": "name"}, field="name")
        township_id = None
        township_name = None
        if township:
            t = find_township(session, township)
            if t is None:
                raise ValidationFailed({"township": [f"unknown township {township}"]})
            township_id, township_name = t.id, t.name
        now = uow.now()
        account = Account(name=name, role=role, township_id=township_id, active=True,
                          created_at=now)
        session.add(account)
        session.flush()
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        session.add(ApiToken(account_id=account.id, token_hash=hash_token(token),
                             prefix=token[:10], created_at=now, expires_at=expires_at))
        uow.audit(stream=f"account:{account.id}", kind="admin", name="account.created",
                  effective_date=uow.today(),
                  payload={"name": name, "role": role, "township": township_name,
                           "expires_at": expires_at, "token_prefix": token[:10]})
        return NewAccount(account.id, name, role, township_name, token)

    return command(uow, actor or OPERATOR, work).result


class Blocked(Exception):
    """Too many failed authentications from this client: try again in ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(retry_after)


# One statement, compiled once: the account behind a token hash and the client's recent
# failed authentications (this runs on every request, so it avoids the ORM's per-query work).
_AUTH_SQL = text(
    "SELECT a.id, a.name, a.role, a.township_id, a.active, t.expires_at, t.revoked_at, "
    "(SELECT coalesce(sum(f.count), 0) FROM auth_failures f "
    " WHERE f.client = :client AND f.window_start >= :since) AS failures "
    "FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = :hash"
).bindparams(bindparam("since", type_=UTCDateTime())).columns(
    id=Integer(), name=String(), role=String(), township_id=Integer(), active=Boolean(),
    expires_at=UTCDateTime(), revoked_at=UTCDateTime(), failures=Integer())
_FAILURES_SQL = text(
    "SELECT coalesce(sum(count), 0) FROM auth_failures WHERE client = :client "
    "AND window_start >= :since").bindparams(bindparam("since", type_=UTCDateTime()))


def authenticate(uow: UnitOfWork, token: str, *, client: str | None = None,
                 failure_limit: int | None = None) -> Actor:
    """The actor behind a bearer token; expired, revoked or unknown tokens are refused alike.
    With a ``client``, the client's recent failed authentications are counted in the same
    query, and a client over ``failure_limit`` is refused (``Blocked``) whatever the token:
    every request pays one round trip for both checks."""
    with uow:
        now = uow.now()
        params = {"client": client or "", "since": window_start(now) - WINDOW,
                  "hash": hash_token(token)}
        row = uow.session.execute(_AUTH_SQL, params).one_or_none()
        if client is not None and failure_limit is not None:
            count = row.failures if row is not None else uow.session.execute(
                _FAILURES_SQL, params).scalar_one()
            if count >= failure_limit:
                raise Blocked(max(1, int((window_start(now) + WINDOW - now).total_seconds())
                                  + 1))
        if (
            row is None
            or row.revoked_at is not None
            or (row.expires_at is not None and row.expires_at <= now)
            or not row.active
        ):
            raise Unauthenticated()
        return Actor(id=row.id, name=row.name, role=row.role, township_id=row.township_id)


def revoke_user(uow: UnitOfWork, name: str, actor: Actor | None = None) -> int:
    """Deactivate the account and revoke all its tokens; effective on the next request."""

    def work(uow: UnitOfWork) -> int:
        session = uow.session
        account = session.execute(select(Account).where(Account.name == name)
                                  .with_for_update(of=Account)).scalar_one_or_none()
        if account is None:
            raise NotFound({"what": f"账户 {name} / account {name}"})
        now = uow.now()
        account.active = False
        tokens = session.execute(select(ApiToken).where(ApiToken.account_id == account.id,
                                                        ApiToken.revoked_at.is_(None))
                                 ).scalars().all()
        for t in tokens:
            t.revoked_at = now
        uow.audit(stream=f"account:{account.id}", kind="admin", name="account.revoked",
                  effective_date=uow.today(),
                  payload={"name": name, "tokens_revoked": len(tokens)})
        return len(tokens)

    return command(uow, actor or OPERATOR, work).result
