"""The accounts' read side: who has an account, with which role and township."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.models import Account
from workflow.uow import UnitOfWork


def list_users(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        rows = uow.session.execute(select(Account).order_by(Account.id)).scalars().all()
        return [{"id": a.id, "name": a.name, "role": a.role,
                 "township": a.township.name if a.township else None, "active": a.active}
                for a in rows]
