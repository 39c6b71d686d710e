"""A pause moves a clock in the unit the clock counts (RULES.md §0.3)."""

from __future__ import annotations

from datetime import date

from workflow.deadlines.pauses import due_on_day, moved_by_pause
from workflow.models import Deadline

D = date.fromisoformat


def test_a_working_day_limit_moves_by_the_working_days_the_pause_covered():
    """重庆市土地房屋权属登记条例 第二十五条: accepted 2025-01-20, due 2025-02-14 (15 working
    days); supplementing materials 01-22 → 02-06 covered six working days (01-23, 24, the
    make-up Sunday 01-26, 27, 02-05, 06; Spring Festival 01-28..02-04 off), so the limit moves
    to 2025-02-24 — not 15 calendar days to 2025-03-01."""
    assert moved_by_pause("registration", D("2025-02-14"), D("2025-01-22"), D("2025-02-06")) == (
        D("2025-02-24"), 6, "working days")


def test_the_expropriation_announcement_clock_moves_in_working_days():
    """土地管理法实施条例 第三十一条 (15 working days): paused Friday 2023-03-10 → Monday 03-20
    covers six working days, so due 2023-03-22 → 2023-03-30 (ten calendar days would give
    04-01)."""
    assert moved_by_pause("expropriation_announcement", D("2023-03-22"), D("2023-03-10"),
                          D("2023-03-20")) == (D("2023-03-30"), 6, "working days")


def test_a_calendar_limit_moves_by_calendar_days():
    assert moved_by_pause("approval_lapse", D("2025-03-01"), D("2023-06-01"),
                          D("2023-07-01")) == (D("2025-03-31"), 30, "days")


def test_a_paused_clock_stands_where_the_pause_has_moved_it_so_far():
    d = Deadline(kind="registration", due_on=D("2025-02-14"), state="paused",
                 paused_since=D("2025-01-22"))
    assert due_on_day(d, D("2025-01-21")) == D("2025-02-14")  # before the pause
    assert due_on_day(d, D("2025-02-06")) == D("2025-02-24")
