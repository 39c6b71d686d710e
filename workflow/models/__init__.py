"""SQLAlchemy models, one module per aggregate."""

from .accounts import Account, ApiToken
from .audit import AuditEvent
from .deadlines import Deadline, SweepRun
from .idempotency import IdempotencyKey
from .ledgers import FarmlandCredit, FarmlandPairing, LandTicket, QuotaAccount, QuotaEntry
from .outbox import OutboxCounter, OutboxEvent
from .parcel import Parcel, ParcelRecord
from .reference import County, PlanIndicator, Township

__all__ = [
    "Account",
    "ApiToken",
    "AuditEvent",
    "County",
    "Deadline",
    "SweepRun",
    "FarmlandCredit",
    "FarmlandPairing",
    "LandTicket",
    "QuotaAccount",
    "QuotaEntry",
    "IdempotencyKey",
    "OutboxCounter",
    "OutboxEvent",
    "Parcel",
    "ParcelRecord",
    "PlanIndicator",
    "Township",
]
