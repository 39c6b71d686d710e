"""The parcel aggregate: its land-class breakdown, control lines and the facts each step adds,
and the dated procedural records that rules read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.models.base import Base
from workflow.models.reference import Township
from workflow.models.spatial import BOUNDARY

ZERO = Decimal("0.00")
STOCK_COVER = ["id", "closed_on", "township_id", "ownership", "expropriated_on", "total_m2"]
AUDIT_COVER = ["id", "first_supplied_on", "expropriated_on", "closed_on", "ownership",
               "total_m2", "construction_m2", "first_supplied_m2"]
# Approvals of which the first supply left a part unsupplied (RULES.md §3.1: stocks are areas).
PARTLY_SUPPLIED = "first_supplied_m2 < total_m2"


def _covering(name: str, *columns: str, include: list[str], where: str) -> Index:
    """A partial covering index, the same predicate on both dialects."""
    return Index(name, *columns, postgresql_include=include,
                 postgresql_where=text(where), sqlite_where=text(where))


# (west, south, east, north) in EPSG:4490.
BBox = tuple[float, float, float, float]


def in_bbox(bbox: BBox) -> list[Any]:
    """Conditions on the parcel's stored box: parcels whose box meets ``bbox`` (the same on both
    engines)."""
    west, south, east, north = bbox
    return [Parcel.min_lon <= east, Parcel.max_lon >= west,
            Parcel.min_lat <= north, Parcel.max_lat >= south]


class Parcel(Base):
    __tablename__ = "parcels"
    __table_args__ = (
        CheckConstraint("ownership IN ('collective', 'state')", name="ownership"),
        CheckConstraint(
            "farmland_m2 >= 0 AND paddy_m2 >= 0 AND other_agricultural_m2 >= 0 "
            "AND unused_m2 >= 0 AND construction_m2 >= 0",
            name="areas_non_negative",
        ),
        CheckConstraint("paddy_m2 <= farmland_m2", name="paddy_within_farmland"),
        CheckConstraint("basic_farmland_m2 <= farmland_m2", name="basic_within_farmland"),
        CheckConstraint("farmland_grade BETWEEN 1 AND 15", name="grade_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("total_m2 = farmland_m2 + other_agricultural_m2 + unused_m2 "
                        "+ construction_m2", name="total_is_sum"),
        Index("ix_parcels_township_state", "township_id", "state"),
        # Per county first (docs/scaling.md): a county's parcels by state, and the parcels of
        # one approval document (the approval's authority adds them up on every approval).
        Index("ix_parcels_county_state", "county_code", "state"),
        Index("ix_parcels_approval_no", "approval_no"),
        # The auditor's as-of queries (workflow.audit_queries) read these, never the table:
        # every approved parcel's milestones and areas, in approval order, county-wide or by
        # township (index-only scans on PostgreSQL).
        # Partial, so that surveys, imports and early steps do not maintain them.
        _covering("ix_parcels_approval_cover", "approved_on",
                  include=AUDIT_COVER, where="approved_on IS NOT NULL"),
        _covering("ix_parcels_township_approval_cover", "township_id", "approved_on",
                  include=AUDIT_COVER, where="approved_on IS NOT NULL"),
        # Approved and never supplied: the 批而未供 stock as it stands.
        _covering("ix_parcels_never_supplied", "approved_on", include=STOCK_COVER,
                  where="first_supplied_on IS NULL AND approved_on IS NOT NULL"),
        _covering("ix_parcels_first_supplied_on", "first_supplied_on", "approved_on",
                  include=STOCK_COVER, where="first_supplied_on IS NOT NULL"),
        # First supplied in part: the rest stays in 批而未供 (few rows).
        _covering("ix_parcels_partly_supplied", "approved_on",
                  include=[*STOCK_COVER, "first_supplied_on", "first_supplied_m2"],
                  where=PARTLY_SUPPLIED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    county_code: Mapped[str] = mapped_column(String(6))
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    ownership: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(default=1)
    surveyed_on: Mapped[date]
    last_effective_date: Mapped[date]

    # Land-class breakdown from the survey (三调), square metres.
    farmland_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    paddy_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    farmland_grade: Mapped[int | None]
    other_agricultural_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    unused_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    construction_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    # The sum of the four classes, fixed at the survey like them (CHECKed): the auditors' sums
    # add one column instead of four.
    total_m2: Mapped[Decimal]
    # Control lines (三条控制线).
    basic_farmland_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    red_line_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    in_development_boundary: Mapped[bool] = mapped_column(default=True)
    geometry: Mapped[dict[str, Any] | None]
    # The boundary as the overlay reads it (``workflow.models.spatial.BOUNDARY``) and its box,
    # for the auditors' ``bbox`` filter; what the overlay computed at the survey (``spatial``)
    # and where the land split came from: "declared" or "land_use_layer".
    boundary: Mapped[Any | None] = mapped_column(BOUNDARY, deferred=True)
    min_lon: Mapped[float | None]
    min_lat: Mapped[float | None]
    max_lon: Mapped[float | None]
    max_lat: Mapped[float | None]
    spatial: Mapped[dict[str, Any] | None]
    land_basis: Mapped[str] = mapped_column(String(16), default="declared")

    # 规: planning.
    planned_use: Mapped[str | None] = mapped_column(String(32), index=True)
    planning_conditions: Mapped[dict[str, Any] | None]
    major_project: Mapped[dict[str, Any] | None]
    red_line_activity: Mapped[dict[str, Any] | None]
    planned_on: Mapped[date | None]
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # 批: approval.
    approval_no: Mapped[str | None] = mapped_column(String(64))
    approval_authority: Mapped[str | None] = mapped_column(String(16))
    approved_on: Mapped[date | None]
    # 征: expropriation.
    expropriation_announced_on: Mapped[date | None]
    expropriated_on: Mapped[date | None]
    # 供: supply.
    supply_method: Mapped[str | None] = mapped_column(String(16))
    price_yuan: Mapped[Decimal | None]
    term_years: Mapped[int | None]
    contract_signed_on: Mapped[date | None]
    agreed_start_date: Mapped[date | None]
    agreed_completion_date: Mapped[date | None]
    land_user: Mapped[str | None] = mapped_column(String(200))
    supplied_area_m2: Mapped[Decimal | None]
    supplied_on: Mapped[date | None]
    # The first supply ends 批而未供 for good; a re-supply after recovery does not change it.
    first_supplied_on: Mapped[date | None]
    # The area of that first supply: the part of the approval supplied (RULES.md §3.1); the
    # rest stays approved but unsupplied.
    first_supplied_m2: Mapped[Decimal | None]
    # 用 / 建.
    handed_over_on: Mapped[date | None]
    permit_no: Mapped[str | None] = mapped_column(String(64))
    construction_started_on: Mapped[date | None]
    # 验.
    actual_area_m2: Mapped[Decimal | None]
    within_approved_boundary: Mapped[bool | None]
    planning_verified: Mapped[bool | None]
    inspected_on: Mapped[date | None]
    # 登.
    registered_on: Mapped[date | None]
    # Idle land and recovery.
    idle_cause: Mapped[str | None] = mapped_column(String(16))
    idle_declared_on: Mapped[date | None]
    idle_determination_no: Mapped[str | None] = mapped_column(String(64))
    idle_fee_yuan: Mapped[Decimal | None]
    recovered_on: Mapped[date | None]
    recovery_decision_no: Mapped[str | None] = mapped_column(String(64))
    # Rejected, withdrawn or lapsed.
    closed_on: Mapped[date | None]

    # The tail of the parcel's audit chain, kept on the locked row: appending an event needs no
    # extra read, and deleting the last event of a chain is detectable.
    audit_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    audit_hash: Mapped[str | None] = mapped_column(String(64))

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    township: Mapped[Township] = relationship(lazy="joined")

    @property
    def agricultural_m2(self) -> Decimal:
        return self.farmland_m2 + self.other_agricultural_m2

    @property
    def converted_to_construction_m2(self) -> Decimal:
        """New construction land: agricultural plus unused land (66号令 第二条)."""
        return self.farmland_m2 + self.other_agricultural_m2 + self.unused_m2



class ParcelRecord(Base):
    """A dated procedural step that changes no state but that rules read (DESIGN "records")."""

    __tablename__ = "parcel_records"
    __table_args__ = (Index("ix_parcel_records_parcel_kind", "parcel_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"))
    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[date]
    details: Mapped[dict[str, Any]]
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    created_at: Mapped[datetime]
