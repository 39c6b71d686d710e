"""The auditors' stocks as dated deltas (``workflow.stockflows``): per township, approval cohort
and day, what entered (+) or left (−) each stock on that day. Summed up to ``as_of`` they give
the stocks as of that date exactly; rows are only appended (and merged by ``compact``), so no
writer waits on another's row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base

ZERO = Decimal("0.00")
# The summed columns: areas (m², exact) and counts.
AREAS = ("approved_m2", "supplied_m2", "unexpropriated_m2", "expropriated_unsupplied_m2",
         "supplied_unused_m2")
COUNTS = ("parcels", "unsupplied_n", "unexpropriated_n", "expropriated_unsupplied_n",
          "supplied_unused_n", "idle_n")
FIELDS = AREAS + COUNTS


class StockFlow(Base):
    __tablename__ = "stock_flows"
    __table_args__ = (
        # County-wide sums read the day range; a township's, its own range (index-only on
        # PostgreSQL).
        Index("ix_stock_flows_day", "day", postgresql_include=["cohort", *FIELDS]),
        Index("ix_stock_flows_township_day", "township_id", "day",
              postgresql_include=["cohort", *FIELDS]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    # The approval year of the parcels the row counts.
    cohort: Mapped[int] = mapped_column(SmallInteger)
    day: Mapped[date]
    # 批 base: parcels and area approved and not lapsed.
    parcels: Mapped[int] = mapped_column(default=0)
    approved_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    # Supplied (first supply's area), 批而未征, 征而未供, 供而未用 (in area).
    supplied_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    unexpropriated_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    expropriated_unsupplied_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    supplied_unused_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    # The rows of the auditors' lists: parcels with an unsupplied rest (all, 批而未征,
    # 征而未供), overdue agreed-start clocks (供而未用) and idle-land clocks past due.
    unsupplied_n: Mapped[int] = mapped_column(default=0)
    unexpropriated_n: Mapped[int] = mapped_column(default=0)
    expropriated_unsupplied_n: Mapped[int] = mapped_column(default=0)
    supplied_unused_n: Mapped[int] = mapped_column(default=0)
    idle_n: Mapped[int] = mapped_column(default=0)
