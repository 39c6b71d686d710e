"""Who may do what: the actor behind a request (or the system itself), the township scope, and
every role table that is not in the lifecycle's step table (``states``: who fires each step and
files each record kind).

Each wing asks here, with ``require``, before it reads or changes anything; a township-bound
account sees and moves only its township's parcels (``check_scope``), on every path to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflow.errors import Forbidden, OutOfScope

if TYPE_CHECKING:
    from workflow.models import Parcel


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


def check_scope(actor: Actor, parcel: Parcel) -> None:
    """A clerk bound to a township sees and moves only that township's parcels."""
    if actor.township_id is not None and parcel.township_id != actor.township_id:
        raise OutOfScope({"parcel_id": parcel.id})
