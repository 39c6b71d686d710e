"""The county e-government portal's side: applications it filed, electronic certificates,
webhook subscriptions and their deliveries, and failed-authentication counters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base

# 64-bit on PostgreSQL; SQLite's INTEGER is 64-bit already (no table rebuild, migration 0009_perf).
BIG_SEQ = BigInteger().with_variant(Integer(), "sqlite")


class ServiceItem(Base):
    """A government-service item (政务服务事项) the portal files cases under, with its legal and
    committed time limits (承诺时限 shorter than 法定时限, RULES.md §0.2, §12)."""

    __tablename__ = "service_items"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    legal_working_days: Mapped[int]
    committed_working_days: Mapped[int]
    legal_basis: Mapped[str] = mapped_column(String(200))


class Application(Base):
    """A case the portal filed for a citizen or firm; ``portal_no`` makes the intake
    idempotent (a retry returns this case, never a second one)."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("applicant_type IN ('organisation', 'person')", name="applicant_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_no: Mapped[str] = mapped_column(String(64), unique=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"))
    applicant_type: Mapped[str] = mapped_column(String(16))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_no: Mapped[str] = mapped_column(String(18))
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"), unique=True)
    filed_on: Mapped[date]
    request_hash: Mapped[str] = mapped_column(String(64))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]


class Certificate(Base):
    """An electronic real-estate certificate issued at registration, verifiable without login
    by its number and a code derived with the server secret."""

    __tablename__ = "certificates"
    __table_args__ = (CheckConstraint("status IN ('valid', 'revoked')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"), index=True)
    right_holder: Mapped[str] = mapped_column(String(200))
    area_m2: Mapped[Decimal]
    use: Mapped[str] = mapped_column(String(32))
    term_years: Mapped[int | None]
    term_from: Mapped[date | None]
    term_to: Mapped[date | None]
    issued_on: Mapped[date]
    verification_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default="valid")
    revoked_on: Mapped[date | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(300))
    audit_event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    created_at: Mapped[datetime]


class CertificateSerial(Base):
    """The last certificate serial issued per county and year: numbers restart each year."""

    __tablename__ = "certificate_serials"
    __table_args__ = (CheckConstraint("last_serial >= 1", name="positive"),)

    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_serial: Mapped[int]


class WebhookAllowedHost(Base):
    __tablename__ = "webhook_allowed_hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(253), unique=True)
    created_at: Mapped[datetime]


class WebhookSubscription(Base):
    """Events after ``cursor`` that match ``event_types`` (prefixes) are posted in order."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (CheckConstraint("status IN ('active', 'suspended')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[Any]]
    # The signing secret has to be readable to sign; it is shown once at creation.
    secret: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(12), default="active")
    # Outbox numbers are 64-bit (transaction id << 20 on PostgreSQL, workflow.models.outbox).
    cursor: Mapped[int] = mapped_column(BIG_SEQ, default=0)
    round: Mapped[int] = mapped_column(default=0)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_seq", "round"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    event_seq: Mapped[int] = mapped_column(BIG_SEQ)
    # A replay sends events again in a new round; each round is delivered once.
    round: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    first_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class AuthFailure(Base):
    """Failed authentications per client and minute, shared by every worker process."""

    __tablename__ = "auth_failures"
    __table_args__ = (UniqueConstraint("client", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)
