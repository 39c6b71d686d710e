"""Loading and locking aggregates. Lock order, everywhere: parcel row, then quota accounts by
id, then farmland credits by id."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from workflow.errors import NotFound
from workflow.models import Parcel, Township

T = TypeVar("T")


# Built once: every step runs it, and a statement object built anew for each call costs its
# construction and its cache key again before the compiled form is found.
_LOCK_PARCEL = (select(Parcel).where(Parcel.id == bindparam("parcel_id"))
                .with_for_update(of=Parcel).execution_options(populate_existing=True))


def lock_parcel(session: Session, parcel_id: int) -> Parcel:
    """``SELECT … FOR UPDATE`` the parcel and re-read it: whatever another transaction committed
    before we got the lock is what the rules will see."""
    parcel = session.execute(_LOCK_PARCEL, {"parcel_id": parcel_id}).scalar_one_or_none()
    if parcel is None:
        raise NotFound({"what": f"地块 {parcel_id} / parcel {parcel_id}"})
    return parcel


def get_parcel(session: Session, parcel_id: int) -> Parcel:
    parcel = session.get(Parcel, parcel_id)
    if parcel is None:
        raise NotFound({"what": f"地块 {parcel_id} / parcel {parcel_id}"})
    return parcel


def find_township(session: Session, name_or_code: str) -> Township | None:
    return session.execute(
        select(Township).where(
            or_(Township.name == name_or_code, Township.code == name_or_code)
        )
    ).scalar_one_or_none()


def lock_rows(session: Session, model: type[T], ids: list[int]) -> dict[int, T]:
    """Lock the given rows in id order (the global lock order) and return them re-read."""
    if not ids:
        return {}
    rows: Any = session.execute(
        select(model).where(model.id.in_(sorted(set(ids))))  # type: ignore[attr-defined]
        .order_by(model.id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars().all()
    return {r.id: r for r in rows}
