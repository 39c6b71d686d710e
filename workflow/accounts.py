"""Accounts and bearer tokens. A token is shown once at creation; only its SHA-256 is stored
(tokens carry 256 bits of randomness, so a slow hash would add nothing)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from states import ASSIGNABLE_ROLES

from .actors import Actor
from .audit import append_event
from .errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from .models import Account, ApiToken
from .repositories import find_township
from .uow import UnitOfWork

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
    with uow:
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
        by = actor or Actor(id=None, name="operator", role="admin")
        append_event(session, stream=f"account:{account.id}", kind="admin", name="account.created",
                     actor_id=by.id, actor=by.name, role=by.role, recorded_at=now,
                     effective_date=uow.today(),
                     payload={"name": name, "role": role, "township": township_name,
                              "expires_at": expires_at, "token_prefix": token[:10]})
        uow.commit()
        return NewAccount(account.id, name, role, township_name, token)


def authenticate(uow: UnitOfWork, token: str) -> Actor:
    """The actor behind a bearer token; expired, revoked or unknown tokens are refused alike."""
    with uow:
        row = uow.session.execute(
            select(ApiToken).where(ApiToken.token_hash == hash_token(token))
        ).scalar_one_or_none()
        now = uow.now()
        if (
            row is None
            or row.revoked_at is not None
            or (row.expires_at is not None and row.expires_at <= now)
            or not row.account.active
        ):
            raise Unauthenticated()
        acc = row.account
        return Actor(id=acc.id, name=acc.name, role=acc.role, township_id=acc.township_id)


def list_users(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        rows = uow.session.execute(select(Account).order_by(Account.id)).scalars().all()
        return [{"id": a.id, "name": a.name, "role": a.role,
                 "township": a.township.name if a.township else None, "active": a.active}
                for a in rows]


def revoke_user(uow: UnitOfWork, name: str, actor: Actor | None = None) -> int:
    """Deactivate the account and revoke all its tokens; effective on the next request."""
    with uow:
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
        by = actor or Actor(id=None, name="operator", role="admin")
        append_event(session, stream=f"account:{account.id}", kind="admin",
                     name="account.revoked", actor_id=by.id, actor=by.name, role=by.role,
                     recorded_at=now, effective_date=uow.today(),
                     payload={"name": name, "tokens_revoked": len(tokens)})
        uow.commit()
        return len(tokens)
