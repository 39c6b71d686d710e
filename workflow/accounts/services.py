"""Accounts and bearer tokens. A token is shown once at creation; only its SHA-256 is stored
(tokens carry 256 bits of randomness, so a slow hash would add nothing)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, select, text

from states import ASSIGNABLE_ROLES
from workflow.access import OPERATOR, Actor
from workflow.accounts.ratelimit import check_failures, failure_keys
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


@dataclass
class RotatedToken:
    account_id: int
    name: str
    token: str
    revoked: int


def rotate_token(uow: UnitOfWork, name: str, *, expires_at: datetime | None = None,
                 actor: Actor | None = None) -> RotatedToken:
    """A new token for an active account; every older token is revoked in the same
    transaction, so that a leaked one stops working on the next request."""

    def work(uow: UnitOfWork) -> RotatedToken:
        session = uow.session
        account = session.execute(select(Account).where(Account.name == name)
                                  .with_for_update(of=Account)).scalar_one_or_none()
        if account is None:
            raise NotFound({"what": f"账户 {name} / account {name}"})
        if not account.active:
            raise Conflict({"field": "name", "reason": "account revoked"}, field="name")
        now = uow.now()
        old = session.execute(select(ApiToken).where(ApiToken.account_id == account.id,
                                                     ApiToken.revoked_at.is_(None))
                              ).scalars().all()
        for t in old:
            t.revoked_at = now
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        session.add(ApiToken(account_id=account.id, token_hash=hash_token(token),
                             prefix=token[:10], created_at=now, expires_at=expires_at))
        uow.audit(stream=f"account:{account.id}", kind="admin", name="account.token_rotated",
                  effective_date=uow.today(),
                  payload={"name": name, "tokens_revoked": len(old), "expires_at": expires_at,
                           "token_prefix": token[:10]})
        return RotatedToken(account.id, name, token, len(old))

    return command(uow, actor or OPERATOR, work).result


# One statement, compiled once: the account behind a token hash (this runs on every request,
# so it avoids the ORM's per-query work).
_AUTH_SQL = text(
    "SELECT a.id, a.name, a.role, a.township_id, a.active, t.expires_at, t.revoked_at "
    "FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = :hash"
).columns(id=Integer(), name=String(), role=String(), township_id=Integer(), active=Boolean(),
          expires_at=UTCDateTime(), revoked_at=UTCDateTime())


def authenticate(uow: UnitOfWork, token: str, *, client: str | None = None,
                 failure_limit: int | None = None) -> Actor:
    """The actor behind a bearer token; expired, revoked or unknown tokens are refused alike.

    A valid token is accepted whatever failures were counted against its client's address or
    anyone else's tokens: one user's (or attacker's) failures never lock out another. A
    refused token is answered ``Blocked`` instead when, with a ``client``, its address or the
    token's own prefix is over ``failure_limit`` (``workflow.accounts.ratelimit``)."""
    now = uow.now()
    row = uow.read_one(_AUTH_SQL, {"hash": hash_token(token)})
    if (
        row is not None
        and row.revoked_at is None
        and (row.expires_at is None or row.expires_at > now)
        and row.active
    ):
        return Actor(id=row.id, name=row.name, role=row.role, township_id=row.township_id)
    with uow:
        if client is not None and failure_limit is not None:
            check_failures(uow.session, failure_keys(client, token), failure_limit, now)
        raise Unauthenticated()


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
