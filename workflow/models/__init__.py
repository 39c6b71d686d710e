"""SQLAlchemy models, one module per aggregate."""

from .accounts import Account, ApiToken
from .audit import AuditEvent
from .deadlines import Deadline, SweepRun
from .idempotency import IdempotencyKey
from .ledgers import FarmlandCredit, FarmlandPairing, LandTicket, QuotaAccount, QuotaEntry
from .outbox import OutboxCounter, OutboxEvent
from .parcel import Parcel, ParcelRecord
from .portal import (
    Application,
    AuthFailure,
    Certificate,
    ServiceItem,
    WebhookAllowedHost,
    WebhookDelivery,
    WebhookSubscription,
)
from .reference import County, PlanIndicator, Township

__all__ = [
    "Account",
    "Application",
    "AuthFailure",
    "Certificate",
    "ServiceItem",
    "WebhookAllowedHost",
    "WebhookDelivery",
    "WebhookSubscription",
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
