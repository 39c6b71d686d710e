"""The auditors' stocks as dated deltas (``workflow.reports.flows``): per township, approval
cohort and day, what entered (+) or left (−) each stock on that day. Summed up to ``as_of``
they give the stocks as of that date exactly; rows are only appended (and merged by
``compact``), so no writer waits on another's row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base

ZERO = Decimal("0.00")
# The summed columns: areas (m², exact) and counts.
AREAS = ("approved_m2", "supplied_m2", "unexpropriated_m2", "expropriated_unsupplied_m2",
         "supplied_unused_m2", "converted_m2", "idle_determined_m2", "idle_closed_m2")
COUNTS = ("parcels", "unsupplied_n", "unexpropriated_n", "expropriated_unsupplied_n",
          "supplied_unused_n", "idle_n")
FIELDS = AREAS + COUNTS
# Each delta is kept at three grains — on its day, in its month, in its year — so that a sum up to
# ``as_of`` reads whole years before its year, whole months before its month, and the days of
# its month: a few thousand rows whatever the date and the size of the county.
GRAINS = ("D", "M", "Y")


class StockFlow(Base):
    __tablename__ = "stock_flows"
    __table_args__ = (
        CheckConstraint("grain IN ('D', 'M', 'Y')", name="grain"),
        # County-wide sums read three ranges; a township's, its own three (index-only on
        # PostgreSQL).
        Index("ix_stock_flows_grain_day", "grain", "day",
              postgresql_include=["cohort", *FIELDS]),
        Index("ix_stock_flows_township_grain_day", "township_id", "grain", "day",
              postgresql_include=["cohort", *FIELDS]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    # The approval year of the parcels the row counts.
    cohort: Mapped[int] = mapped_column(SmallInteger)
    # D: the day itself; M, Y: the first day of the month, of the year, the delta fell in.
    grain: Mapped[str] = mapped_column(String(1))
    day: Mapped[date]
    # 批 base: parcels and area approved and not lapsed.
    parcels: Mapped[int] = mapped_column(default=0)
    approved_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    # Supplied (first supply's area), 批而未征, 征而未供, 供而未用 (in area).
    supplied_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    unexpropriated_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    expropriated_unsupplied_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    supplied_unused_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    # The plan's indicators: new construction land approved (agricultural + unused, 66号令
    # 第二条); idle land determined before a day and not yet disposed of on it (held over
    # [determined + 1, closed + 1)); and idle land determined before 1 January disposed of
    # during that year (on the day it closed).
    converted_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    idle_determined_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    idle_closed_m2: Mapped[Decimal] = mapped_column(default=ZERO)
    # The rows of the auditors' lists: parcels with an unsupplied rest (all, 批而未征,
    # 征而未供), overdue agreed-start clocks (供而未用) and idle-land clocks past due.
    unsupplied_n: Mapped[int] = mapped_column(default=0)
    unexpropriated_n: Mapped[int] = mapped_column(default=0)
    expropriated_unsupplied_n: Mapped[int] = mapped_column(default=0)
    supplied_unused_n: Mapped[int] = mapped_column(default=0)
    idle_n: Mapped[int] = mapped_column(default=0)
