"""SQLAlchemy models, one module per aggregate."""

from workflow.models.accounts import Account, ApiToken, ConsoleSession
from workflow.models.audit import AuditEvent, AuditHead
from workflow.models.deadlines import Deadline, SweepRun
from workflow.models.documents import Document
from workflow.models.flows import StockFlow
from workflow.models.idempotency import IdempotencyKey
from workflow.models.ledgers import (
    FarmlandCredit,
    FarmlandPairing,
    LandTicket,
    QuotaAccount,
    QuotaEntry,
)
from workflow.models.outbox import OutboxCounter, OutboxEvent
from workflow.models.parcel import Parcel, ParcelRecord
from workflow.models.portal import (
    Application,
    AuthFailure,
    Certificate,
    CertificateSerial,
    ServiceItem,
    WebhookAllowedHost,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow.models.reference import County, PlanIndicator, Township
from workflow.models.spatial import LayerFeature, LayerVersion

__all__ = [
    "Account",
    "Application",
    "Document",
    "AuthFailure",
    "Certificate",
    "CertificateSerial",
    "ServiceItem",
    "WebhookAllowedHost",
    "WebhookDelivery",
    "WebhookSubscription",
    "ApiToken",
    "ConsoleSession",
    "AuditEvent",
    "AuditHead",
    "County",
    "Deadline",
    "StockFlow",
    "SweepRun",
    "FarmlandCredit",
    "FarmlandPairing",
    "LandTicket",
    "QuotaAccount",
    "QuotaEntry",
    "IdempotencyKey",
    "LayerFeature",
    "LayerVersion",
    "OutboxCounter",
    "OutboxEvent",
    "Parcel",
    "ParcelRecord",
    "PlanIndicator",
    "Township",
]
