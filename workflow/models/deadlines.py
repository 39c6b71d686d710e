"""Legal deadlines as rows (never in-memory timers), and the record of each daily sweep."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base

DEADLINE_STATES = ("open", "met", "breached", "paused", "cancelled")


class Deadline(Base):
    """One legal clock of one parcel. ``opened_on``/``closed_on`` are effective dates, so that an
    auditor's question "as of D" reads the clocks that were running on D. A clock met after its
    due date closes as ``breached`` (met late), so a sweep that runs late finds what one on time
    would have found."""

    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'met', 'breached', 'paused', 'cancelled')",
                        name="state"),
        CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="closed_after_open"),
        Index("ix_deadlines_state_due_on", "state", "due_on"),
        # Covering and in list order (due_on, id): "running on D" read as one ordered scan
        # that a page near the start stops early, or as the range due_on <= D (the smaller
        # range for early dates), without visiting the table.
        Index("ix_deadlines_kind_due_on", "kind", "due_on", "id",
              postgresql_include=["opened_on", "closed_on", "parcel_id", "township_id"]),
        Index("ix_deadlines_parcel_id_kind", "parcel_id", "kind"),
        # As-of questions split "running on D" into two index ranges: clocks still running
        # (closed_on IS NULL) and clocks that closed after D.
        Index("ix_deadlines_running", "kind", "due_on",
              postgresql_include=["id", "opened_on", "parcel_id", "township_id"],
              postgresql_where=text("closed_on IS NULL"), sqlite_where=text("closed_on IS NULL")),
        # The console's work queue walks the running clocks in due order (worklist.queries).
        Index("ix_deadlines_queue", "due_on", "parcel_id",
              postgresql_where=text("closed_on IS NULL AND state IN ('open', 'breached')"),
              sqlite_where=text("closed_on IS NULL AND state IN ('open', 'breached')")),
        Index("ix_deadlines_kind_closed_on", "kind", "closed_on", "due_on",
              postgresql_include=["id", "opened_on", "parcel_id", "township_id"]),
        Index("ix_deadlines_determined_on", "determined_on",
              postgresql_where=text("determined_on IS NOT NULL"),
              sqlite_where=text("determined_on IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"))
    # The parcel's township, copied (it never changes) so that auditors' lists filter by
    # township inside the index, without visiting every parcel.
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    kind: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date]
    basis: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(12), default="open")
    opened_on: Mapped[date]
    opened_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    closed_on: Mapped[date | None]
    closed_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    breached_on: Mapped[date | None]
    paused_since: Mapped[date | None]
    pause_reason: Mapped[str | None] = mapped_column(String(300))
    amount_yuan: Mapped[Decimal | None]
    # Idle-land clocks: the date the clock counts from, the recovery threshold, and what the
    # determination (if any, and from when) said about the cause.
    clock_start: Mapped[date | None]
    recovery_on: Mapped[date | None]
    cause: Mapped[str | None] = mapped_column(String(16))
    determined_on: Mapped[date | None]
    determination_no: Mapped[str | None] = mapped_column(String(64))
    # The sweep that found the breach (None when a step closed the clock late itself).
    sweep_run_id: Mapped[int | None] = mapped_column(ForeignKey("sweep_runs.id"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SweepRun(Base):
    __tablename__ = "sweep_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    breached: Mapped[int] = mapped_column(default=0)
    idle_flagged: Mapped[int] = mapped_column(default=0)
    lapsed: Mapped[int] = mapped_column(default=0)
    events: Mapped[int] = mapped_column(default=0)
