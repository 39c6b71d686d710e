"""Who may do what: the actor behind a request (or the system itself), the township scope, and
every role table that is not in the lifecycle's step table (``states``: who fires each step and
files each record kind).

Each wing asks here, with ``require``, before it reads or changes anything; a township-bound
account sees and moves only its township's parcels (``check_scope``), on every path to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session, object_session

from workflow.errors import Forbidden, LandflowError, NotFound, OutOfScope
from workflow.models import Application, AuditEvent, Parcel
from workflow.models.repository import lock_parcel


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    role: str
    township_id: int | None = None

    @property
    def is_system(self) -> bool:
        return self.role == "system"


SYSTEM = Actor(id=None, name="system", role="system")
# The command line, acting for whoever runs it on the server.
OPERATOR = Actor(id=None, name="operator", role="admin")

# Ledgers: accounts, allocations and transfers are the county's; credits and land tickets are
# recorded by its clerks too; everyone but the portal reads them.
LEDGER_ADMINS = ("admin",)
LEDGER_RECORDERS = ("admin", "clerk")
LEDGER_READERS = ("admin", "auditor", "approver", "clerk")
# The auditors' as-of reports.
AUDIT_READERS = ("auditor", "admin", "approver")
# The portal files applications; a filed case is read by the portal and the county's staff.
PORTAL_FILERS = ("portal",)
CASE_READERS = ("portal", "admin", "auditor", "clerk", "approver")
FEED_READERS = ("portal", "admin", "auditor")
WEBHOOK_ADMINS = ("admin",)
# Reference layers are the county's: loaded by its administrators (or the operator).
LAYER_ADMINS = ("admin",)


def require(actor: Actor, roles: tuple[str, ...]) -> None:
    """Refuse (403) an actor whose role is not among ``roles``."""
    if actor.role not in roles:
        raise Forbidden({"role": actor.role})


def is_scoped(actor: Actor) -> bool:
    """Whether the actor sees only part of the county: an account bound to a township, or the
    portal, which sees the parcels of its own cases."""
    return actor.township_id is not None or actor.role == "portal"


def parcel_scope(actor: Actor) -> ColumnElement[bool]:
    """The parcels ``actor`` may see, as a condition on ``Parcel``: every list and every
    single parcel is judged by this one condition."""
    condition: ColumnElement[bool] = true()
    if actor.township_id is not None:
        condition = Parcel.township_id == actor.township_id
    if actor.role == "portal":
        if actor.id is None:
            return false()
        # Its own cases: the parcels it filed an application for or surveyed itself. Both
        # are probes by parcel id (unique on applications, indexed on audit_events), so that
        # judging one parcel never reads the portal's whole history.
        filed = exists().where(Application.parcel_id == Parcel.id,
                               Application.filed_by_id == actor.id)
        surveyed = exists().where(AuditEvent.parcel_id == Parcel.id, AuditEvent.kind == "create",
                                  AuditEvent.actor_id == actor.id)
        condition = condition & or_(filed, surveyed)
    return condition


def check_scope(actor: Actor, parcel: Parcel) -> None:
    """Refuse (403) a parcel outside the actor's scope (``parcel_scope``)."""
    if actor.township_id is not None and parcel.township_id != actor.township_id:
        raise OutOfScope({"parcel_id": parcel.id})
    if actor.role == "portal":
        session = object_session(parcel)
        assert session is not None
        visible = session.execute(select(exists().where(
            Parcel.id == parcel.id, parcel_scope(actor)))).scalar()
        if not visible:
            raise OutOfScope({"parcel_id": parcel.id})


def not_found(actor: Actor, what: str, **details: Any) -> LandflowError:
    """The error for something that does not exist. To a scoped actor it is the same 403 as
    for something outside its scope: a different answer would let it probe which ids exist in
    other townships."""
    if is_scoped(actor):
        return OutOfScope(details)
    return NotFound({"what": what})


def visible_parcel(session: Session, actor: Actor, parcel_id: int, *, lock: bool = False
                   ) -> Parcel:
    """The parcel, loaded (or locked, for a change) and checked against the actor's scope;
    a missing one answers like one out of scope (``not_found``)."""
    try:
        parcel = lock_parcel(session, parcel_id) if lock else session.get(Parcel, parcel_id)
    except NotFound:
        parcel = None
    if parcel is None:
        raise not_found(actor, f"地块 {parcel_id} / parcel {parcel_id}", parcel_id=parcel_id)
    check_scope(actor, parcel)
    return parcel
