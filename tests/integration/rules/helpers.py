"""What the rule tests share: refusing a step without touching the database, parcels ready for
a step, and reading balances back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import World
from workflow.errors import RuleViolation
from workflow.models import (
    AuditEvent,
    FarmlandCredit,
    FarmlandPairing,
    OutboxEvent,
    Parcel,
    QuotaAccount,
    QuotaEntry,
)


def snapshot(runtime) -> tuple:
    """Everything a refused step could have touched."""
    with runtime.reader() as uow:
        s = uow.session
        return (
            tuple(s.execute(select(Parcel.id, Parcel.state, Parcel.version).order_by(Parcel.id))),
            s.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            s.execute(select(func.count()).select_from(OutboxEvent)).scalar_one(),
            tuple(s.execute(select(QuotaAccount.id, QuotaAccount.balance_m2)
                            .order_by(QuotaAccount.id))),
            s.execute(select(func.count()).select_from(QuotaEntry)).scalar_one(),
            tuple(s.execute(select(FarmlandCredit.id, FarmlandCredit.remaining_area_m2,
                                   FarmlandCredit.remaining_paddy_m2)
                            .order_by(FarmlandCredit.id))),
            s.execute(select(func.count()).select_from(FarmlandPairing)).scalar_one(),
        )


def refused(world: World, pid: int, name: str, actor: str | None = None, **payload) -> set[str]:
    before = snapshot(world.runtime)
    with pytest.raises(RuleViolation) as err:
        world.fire(pid, name, actor, **payload)
    assert snapshot(world.runtime) == before, "a refused step changed the database"
    return err.value.codes


def planned(world: World, **survey) -> int:
    pid = world.parcel_in("surveyed", **survey)
    world.fire(pid, "plan")
    return pid


def ready_to_approve(world: World, ownership: str = "collective", **survey) -> int:
    pid = world.parcel_in("planned", ownership=ownership, **survey)
    if ownership == "collective":
        world.pre_approval_records(pid)
    return pid


def world_balance(runtime, account_id: int) -> Decimal:
    with runtime.reader() as uow:
        return uow.session.get(QuotaAccount, account_id).balance_m2


def world_backend(runtime) -> str:
    return runtime.engine.dialect.name
