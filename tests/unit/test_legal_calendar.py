"""The legal calendar with real dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.deadlines.calendar import (
    add_months,
    add_working_days,
    add_years,
    day_info,
    explain_working_days,
    explain_years,
    is_working_day,
    working_days_between,
)

D = date.fromisoformat


def test_national_day_2025_and_its_make_up_working_days():
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are worked.
    assert is_working_day(D("2025-09-28")) and day_info(D("2025-09-28")).makeup
    assert is_working_day(D("2025-10-11"))
    for day in range(1, 9):
        assert not is_working_day(date(2025, 10, day)), day
    assert day_info(D("2025-10-03")).holiday == "国庆节"
    assert day_info(D("2025-10-06")).holiday == "中秋节"  # Mid-Autumn fell in Golden Week
    assert is_working_day(D("2025-10-09"))


def test_spring_festival_2026():
    # 2026: 15–23 February off; Saturdays 14 and 28 February are worked.
    assert is_working_day(D("2026-02-14")) and is_working_day(D("2026-02-28"))
    for day in range(15, 24):
        assert not is_working_day(date(2026, 2, day)), day
    assert day_info(D("2026-02-17")).holiday == "春节"


def test_fifteen_working_days_across_labour_day_2025():
    due, text = explain_working_days(D("2025-04-15"), 15, "approval")
    assert due == D("2025-05-08")
    assert text == ("2025-05-08 = approval 2025-04-15 + 15 working days, skipping "
                    "2025-05-01..05, counting make-up working day 2025-04-27")


def test_fifteen_working_days_across_national_day_2025():
    # Counting from the day after Friday 2025-09-26: 28 Sep (make-up Sunday), 29, 30 Sep, then
    # 9, 10, 11 (make-up Saturday), 13–17 and 20–23 October.
    assert add_working_days(D("2025-09-26"), 15) == D("2025-10-23")
    assert working_days_between(D("2025-09-26"), D("2025-10-23")) == 15


def test_counting_starts_the_day_after():
    assert add_working_days(D("2025-06-02"), 1) == D("2025-06-03")  # Monday → Tuesday
    assert add_working_days(D("2025-06-06"), 1) == D("2025-06-09")  # Friday → Monday


@pytest.mark.parametrize(("start", "years", "due"), [
    ("2024-02-29", 1, "2025-02-28"), ("2024-02-29", 4, "2028-02-29"),
    ("2023-03-01", 2, "2025-03-01"), ("2025-02-28", 1, "2026-02-28"),
])
def test_full_years_are_calendar_anniversaries(start, years, due):
    assert add_years(D(start), years) == D(due)


def test_a_29_february_anniversary_says_so():
    _, text = explain_years(D("2024-02-29"), 1, "agreed start")
    assert text.startswith("2025-02-28 = agreed start 2024-02-29 + 1 full year")
    assert "28 February" in text


def test_months_end_on_the_last_day_when_needed():
    assert add_months(D("2025-01-31"), 1) == D("2025-02-28")
    assert add_months(D("2024-01-31"), 1) == D("2024-02-29")
    assert add_months(D("2025-12-15"), 1) == D("2026-01-15")


def test_a_year_without_a_schedule_is_counted_provisionally_and_says_so():
    info = day_info(D("2031-10-02"))
    assert info.provisional and not info.working and info.holiday == "国庆节"
    _, text = explain_working_days(D("2031-09-26"), 5, "approval")
    assert "provisional" in text and "2031" in text


def test_the_override_table_decides_a_year_it_lists(tmp_path, monkeypatch):
    from workflow.deadlines import calendar as lc

    table = tmp_path / "overrides.csv"
    table.write_text("# test\ndate,kind,name\n2031-01-02,holiday,元旦\n2031-01-04,workday,元旦\n",
                     encoding="utf-8")
    monkeypatch.setattr(lc, "OVERRIDES_FILE", table)
    for fn in (lc._overrides, lc._override_years, lc.day_info, lc._moved_days):
        fn.cache_clear()
    try:
        assert not lc.is_working_day(D("2031-01-02"))
        assert lc.is_working_day(D("2031-01-04")) and lc.day_info(D("2031-01-04")).makeup
        assert lc.is_working_day(D("2031-01-01"))  # not listed: the table alone decides
        assert not lc.day_info(D("2031-01-02")).provisional
        # Wed 1 (worked), Thu 2 (off), Sat 4 (worked), Mon 6: the counting agrees.
        assert lc.working_days_between(D("2030-12-31"), D("2031-01-06")) == 4
        assert lc.add_working_days(D("2031-01-01"), 2) == D("2031-01-04")
    finally:
        monkeypatch.undo()
        for fn in (lc._overrides, lc._override_years, lc.day_info, lc._moved_days):
            fn.cache_clear()


def _walked_between(start: date, end: date) -> int:
    """The definition, one day at a time."""
    return sum(is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


def _walked_add(start: date, n: int) -> date:
    d = start
    while n > 0:
        d += timedelta(days=1)
        n -= is_working_day(d)
    return d


@settings(max_examples=150, deadline=None)
@given(start=st.dates(date(1949, 10, 1), date(2100, 6, 30)), span=st.integers(0, 200),
       n=st.integers(0, 140))
def test_the_counted_calendar_agrees_with_walking_it_day_by_day(start, span, n):
    end = start + timedelta(days=span)
    assert working_days_between(start, end) == _walked_between(start, end)
    assert add_working_days(start, n) == _walked_add(start, n)


@pytest.mark.parametrize(("start", "end"), [
    ("2025-09-26", "2025-10-23"), ("2003-12-20", "2004-01-10"), ("2026-09-25", "2027-01-05"),
    ("2025-04-15", "2025-05-08"), ("2030-12-25", "2031-01-10")])
def test_the_counted_calendar_agrees_across_holidays_and_sources(start, end):
    # Golden Week, the first year chinese-calendar covers, the last one, Labour Day, and a
    # provisional year.
    assert working_days_between(D(start), D(end)) == _walked_between(D(start), D(end))
    n = working_days_between(D(start), D(end))
    assert add_working_days(D(start), n) == _walked_add(D(start), n)


def test_counting_working_days_never_walks_the_days(monkeypatch):
    """A clock paused in 1950 or a case filed in 1949 once cost a read seconds (a loop over
    every day); the counting now costs the years and holidays it crosses."""
    from workflow.deadlines import calendar as lc

    def walked(day: date) -> None:
        raise AssertionError(f"looked at {day} on its own")

    monkeypatch.setattr(lc, "day_info", walked)
    monkeypatch.setattr(lc, "is_working_day", walked)
    n = working_days_between(D("1949-10-01"), D("2100-12-31"))
    assert 38_000 < n < 40_000
    assert add_working_days(D("1949-10-01"), n) == D("2100-12-31")
