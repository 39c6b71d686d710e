"""Reference data from the county plan: townships and the 专栏3 indicators."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Amount, Base


class County(Base):
    """A county and the plan-level numbers the auditors compare against."""

    __tablename__ = "counties"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    province: Mapped[str] = mapped_column(String(20))
    plan: Mapped[str] = mapped_column(String(120))
    plan_period_start: Mapped[int]
    plan_period_end: Mapped[int]
    new_construction_land_cap_km2: Mapped[Decimal]
    # The CGCS2000 3-degree Gauss–Krüger zone areas are measured in (Shizhu: EPSG:4545).
    projected_epsg: Mapped[int] = mapped_column(default=4545)


class Township(Base):
    """A township-level division (街道/镇/乡) of the county."""

    __tablename__ = "townships"
    __table_args__ = (CheckConstraint("kind IN ('街道', '镇', '乡')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(4))
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"), index=True)


class PlanIndicator(Base):
    """One row of 专栏3 of the county's 2021–2025 natural-resources plan."""

    __tablename__ = "plan_indicators"
    __table_args__ = (
        CheckConstraint("nature IN ('binding', 'expected')", name="nature"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    key: Mapped[str] = mapped_column(String(60), unique=True)
    seq: Mapped[int]
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(20))
    value_2020: Mapped[Decimal | None] = mapped_column(Amount(4))
    target_2025: Mapped[Decimal | None] = mapped_column(Amount(4))
    cumulative: Mapped[bool] = mapped_column(default=False)
    nature: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(200))
