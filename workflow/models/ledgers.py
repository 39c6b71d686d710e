"""The ledgers: construction-land quota (新增建设用地计划指标), farmland compensation credits
(补充耕地指标) and Chongqing land tickets (地票). Entries are immutable; balances move only by
entries posted inside a transition or an administrative posting."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base


class QuotaAccount(Base):
    """A county's quota for one plan year (and category). ``balance_m2`` is the sum of its
    entries, kept on the row so that it can be locked and checked (CHECK ≥ 0) in the database."""

    __tablename__ = "quota_accounts"
    __table_args__ = (
        UniqueConstraint("county_code", "year", "category"),
        CheckConstraint("balance_m2 >= 0", name="balance_non_negative"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    year: Mapped[int]
    category: Mapped[str] = mapped_column(String(40), default="general")
    name: Mapped[str] = mapped_column(String(120))
    balance_m2: Mapped[Decimal]
    created_at: Mapped[datetime]


class QuotaEntry(Base):
    __tablename__ = "quota_entries"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('allocate', 'land_ticket', 'deduct', 'release', 'transfer')", name="kind"),
        CheckConstraint("balance_after_m2 >= 0", name="balance_after_non_negative"),
        Index("ix_quota_entries_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("quota_accounts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # Signed: credits positive, deductions negative.
    amount_m2: Mapped[Decimal]
    balance_after_m2: Mapped[Decimal]
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"), index=True)
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    document_no: Mapped[str | None] = mapped_column(String(120))
    land_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("land_tickets.id"))
    # A release points at the entry it reverses; a reversed entry is never reversed twice.
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("quota_entries.id"),
                                                          unique=True)
    counterparty_account_id: Mapped[int | None] = mapped_column(ForeignKey("quota_accounts.id"))
    effective_date: Mapped[date]
    created_at: Mapped[datetime]


class LandTicket(Base):
    """A Chongqing land ticket: construction-land indicator from reclaimed rural construction land,
    carrying the cultivated (and paddy) area the reclamation produced."""

    __tablename__ = "land_tickets"
    __table_args__ = (
        CheckConstraint("cultivated_m2 <= area_m2 AND paddy_m2 <= cultivated_m2",
                        name="parts_within_area"),
        CheckConstraint("remaining_m2 >= 0 AND remaining_m2 <= area_m2", name="remaining_range"),
        CheckConstraint("grade BETWEEN 1 AND 15", name="grade_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_no: Mapped[str] = mapped_column(String(64), unique=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    area_m2: Mapped[Decimal]
    cultivated_m2: Mapped[Decimal]
    paddy_m2: Mapped[Decimal]
    grade: Mapped[int]
    acceptance_ref: Mapped[str] = mapped_column(String(120))
    accepted_on: Mapped[date]
    trade_price_yuan: Mapped[Decimal]
    reclamation_cost_yuan: Mapped[Decimal]
    farmer_share_yuan: Mapped[Decimal]
    collective_share_yuan: Mapped[Decimal]
    buyer: Mapped[str] = mapped_column(String(200))
    traded_on: Mapped[date]
    remaining_m2: Mapped[Decimal]
    created_at: Mapped[datetime]


class FarmlandCredit(Base):
    """Supplementary cultivated land accepted by the province, available to balance occupied
    farmland: quantity, paddy and quality grade (1 best … 15)."""

    __tablename__ = "farmland_credits"
    __table_args__ = (
        CheckConstraint("source IN ('consolidation', 'reclamation', 'land_ticket', 'purchase')",
                        name="source"),
        CheckConstraint("paddy_m2 <= area_m2", name="paddy_within_area"),
        CheckConstraint("remaining_area_m2 >= 0 AND remaining_area_m2 <= area_m2",
                        name="remaining_area_range"),
        CheckConstraint("remaining_paddy_m2 >= 0 AND remaining_paddy_m2 <= paddy_m2 "
                        "AND remaining_paddy_m2 <= remaining_area_m2",
                        name="remaining_paddy_range"),
        CheckConstraint("grade BETWEEN 1 AND 15", name="grade_range"),
        # An approval reads and locks its county's credits in id order.
        Index("ix_farmland_credits_county_code_id", "county_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    source: Mapped[str] = mapped_column(String(16))
    project_no: Mapped[str] = mapped_column(String(120))
    area_m2: Mapped[Decimal]
    paddy_m2: Mapped[Decimal]
    grade: Mapped[int]
    accepted_on: Mapped[date]
    remaining_area_m2: Mapped[Decimal]
    remaining_paddy_m2: Mapped[Decimal]
    land_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("land_tickets.id"))
    created_at: Mapped[datetime]


class FarmlandPairing(Base):
    """Occupied farmland of one approval paired with (part of) one credit."""

    __tablename__ = "farmland_pairings"
    __table_args__ = (
        CheckConstraint("area_m2 > 0 AND paddy_m2 >= 0 AND paddy_m2 <= area_m2",
                        name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_id: Mapped[int] = mapped_column(ForeignKey("farmland_credits.id"), index=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"), index=True)
    audit_event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    area_m2: Mapped[Decimal]
    paddy_m2: Mapped[Decimal]
    occupied_grade: Mapped[int | None]
    paired_on: Mapped[date]
    released_on: Mapped[date | None]
    release_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
