"""Console sign-in: passwords (argon2id, memory-hard) and server-side sessions.

The browser holds one random token; only its SHA-256 is stored (``console_sessions``), with the
session's expiry and the moment it was signed out. Wrong passwords are counted in the same
table and under the same per-minute limit as the API's wrong tokens
(``workflow.accounts.ratelimit``): against the client's address and against the name tried.
Unlike a token (256 random bits), a password can be guessed, so a key over the limit refuses
even the right password until its window passes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from workflow.access import OPERATOR, Actor
from workflow.accounts.ratelimit import KEY_CHARS, check_failures, record_failure
from workflow.errors import NotFound, Unauthenticated, ValidationFailed
from workflow.models import Account, ConsoleSession
from workflow.uow import UnitOfWork, command

# argon2-cffi's defaults: argon2id, 64 MiB, 3 passes, 4 lanes (RFC 9106's second choice).
HASHER = PasswordHasher()
# Verified when the name is unknown, so that an unknown name takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash("landflow-no-such-account")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 200
SESSION_BYTES = 32


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def login_keys(client: str, name: str) -> list[str]:
    """The keys a failed sign-in is counted against: the address, and the name tried."""
    return [f"addr:{client}"[:KEY_CHARS], f"login:{name}"[:KEY_CHARS]]


def set_password(uow: UnitOfWork, name: str, password: str, actor: Actor | None = None) -> int:
    """Set the account's console password (hashed with argon2id); returns the account id.
    Every open console session of the account ends: a new password signs everyone out."""
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise ValidationFailed({"password": [
            f"密码须为 {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} 个字符 / the password must have "
            f"{MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} characters"]})
    hashed = HASHER.hash(password)

    def work(uow: UnitOfWork) -> int:
        session = uow.session
        account = session.execute(select(Account).where(Account.name == name)
                                  .with_for_update(of=Account)).scalar_one_or_none()
        if account is None:
            raise NotFound({"what": f"账户 {name} / account {name}"})
        account.password_hash = hashed
        now = uow.now()
        ended = _end_sessions(uow, account.id)
        uow.audit(stream=f"account:{account.id}", kind="admin", name="account.password_set",
                  effective_date=uow.today(),
                  payload={"name": name, "sessions_ended": ended, "at": now})
        return account.id

    return command(uow, actor or OPERATOR, work).result


def _end_sessions(uow: UnitOfWork, account_id: int) -> int:
    rows = uow.session.execute(select(ConsoleSession).where(
        ConsoleSession.account_id == account_id, ConsoleSession.ended_at.is_(None))).scalars()
    n = 0
    for row in rows:
        row.ended_at = uow.now()
        n += 1
    return n


@dataclass(frozen=True)
class SignedIn:
    token: str
    actor: Actor
    expires_at: object


def sign_in(uow: UnitOfWork, name: str, password: str, *, client: str, failure_limit: int,
            lifetime: timedelta) -> SignedIn:
    """Open a console session for ``name`` with ``password``.

    Refused alike (``Unauthenticated``) for an unknown name, a wrong password, an account
    without a password or a deactivated one; ``Blocked`` when the address or the name has
    ``failure_limit`` failures this minute (then the password is not even checked)."""
    keys = login_keys(client, name)
    with uow:
        now = uow.now()
        check_failures(uow.session, keys, failure_limit, now)
        account = uow.session.execute(
            select(Account.id, Account.name, Account.role, Account.township_id,
                   Account.active, Account.password_hash).where(Account.name == name)
        ).one_or_none()
    hashed = account.password_hash if account is not None else None
    ok = _verify(hashed or _DUMMY_HASH, password) and hashed is not None
    if not ok or account is None or not account.active or account.role in ("portal", "system"):
        record_failure(uow, keys)
        raise Unauthenticated()
    actor = Actor(id=account.id, name=account.name, role=account.role,
                  township_id=account.township_id)
    token = secrets.token_urlsafe(SESSION_BYTES)

    def work(uow: UnitOfWork) -> SignedIn:
        now = uow.now()
        expires = now + lifetime
        uow.session.add(ConsoleSession(token_hash=hash_session_token(token),
                                       account_id=actor.id, created_at=now, expires_at=expires,
                                       client=client[:64]))
        uow.audit(stream=f"account:{actor.id}", kind="admin", name="account.signed_in",
                  effective_date=uow.today(),
                  payload={"name": actor.name, "client": client[:64], "expires_at": expires})
        return SignedIn(token, actor, expires)

    return command(uow, actor, work).result


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def session_actor(uow: UnitOfWork, token: str) -> Actor | None:
    """The actor of a live console session, or None (unknown, expired, signed out, or the
    account deactivated since)."""
    with uow:
        row = uow.session.execute(
            select(ConsoleSession.expires_at, ConsoleSession.ended_at, Account.id, Account.name,
                   Account.role, Account.township_id, Account.active)
            .join(Account, Account.id == ConsoleSession.account_id)
            .where(ConsoleSession.token_hash == hash_session_token(token))).one_or_none()
        if row is None or row.ended_at is not None or not row.active \
                or row.expires_at <= uow.now():
            return None
        return Actor(id=row.id, name=row.name, role=row.role, township_id=row.township_id)


def sign_out(uow: UnitOfWork, token: str, actor: Actor) -> bool:
    """End the session of ``token``; True when there was a live one."""

    def work(uow: UnitOfWork) -> bool:
        row = uow.session.execute(select(ConsoleSession).where(
            ConsoleSession.token_hash == hash_session_token(token))).scalar_one_or_none()
        if row is None or row.ended_at is not None or row.account_id != actor.id:
            return False
        row.ended_at = uow.now()
        uow.audit(stream=f"account:{row.account_id}", kind="admin", name="account.signed_out",
                  effective_date=uow.today(), payload={"session_id": row.id})
        return True

    return command(uow, actor, work).result
