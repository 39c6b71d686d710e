"""Idempotency keys: a retried request with the same key and body gets the first response and
changes nothing; the same key with another body is refused."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .audit import canonical_json
from .errors import IdempotencyKeyReused
from .models import IdempotencyKey


def request_hash(operation: str, body: Any) -> str:
    return hashlib.sha256(canonical_json({"op": operation, "body": body}).encode()).hexdigest()


def replay(session: Session, actor: Actor, key: str | None, operation: str, digest: str
           ) -> dict[str, Any] | None:
    """The stored response for this key, or None if the key is new. Keys are per account."""
    if key is None or actor.id is None:
        return None
    row = session.execute(
        select(IdempotencyKey).where(
            IdempotencyKey.account_id == actor.id, IdempotencyKey.key == key
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    if row.operation != operation or row.request_hash != digest:
        raise IdempotencyKeyReused({"key": key})
    return row.response


def remember(session: Session, actor: Actor, key: str | None, operation: str, digest: str,
             response: dict[str, Any], now: Any) -> None:
    if key is None or actor.id is None:
        return
    session.add(IdempotencyKey(account_id=actor.id, key=key, operation=operation,
                               request_hash=digest, response=response, created_at=now))
