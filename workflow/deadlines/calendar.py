"""Legal time arithmetic (RULES.md §0.3), implemented once and used everywhere.

- "满一年 / 满两年": the calendar anniversary; 29 February's anniversary in a common year is
  28 February.
- "日" without qualifier: calendar days. "工作日": working days — weekends and PRC statutory
  holidays excluded, the official make-up working days (调休) included. The holiday schedule comes
  from the maintained ``chinese-calendar`` package; years it does not cover are read from
  ``seed/calendar_overrides.csv`` (published State Council notices, entered by an operator), and
  failing both, a provisional schedule of weekends and fixed-date holidays is used and said so.
- Periods "自…之日起" start counting on the day after.
"""

from __future__ import annotations

import calendar
import csv
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

import chinese_calendar

from seed import DATA_DIR

OVERRIDES_FILE = DATA_DIR / "calendar_overrides.csv"

# 全国年节及纪念日放假办法 (2024 revision): the holidays with fixed Gregorian dates. Lunar ones
# (Spring Festival, Qingming, Dragon Boat, Mid-Autumn) cannot be placed without the notice.
FIXED_HOLIDAYS = {(1, 1): "元旦", (5, 1): "劳动节", (5, 2): "劳动节", (10, 1): "国庆节",
                  (10, 2): "国庆节", (10, 3): "国庆节"}

HOLIDAY_ZH = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
              "Labour Day": "劳动节", "Dragon Boat Festival": "端午节",
              "Mid-autumn Festival": "中秋节", "National Day": "国庆节",
              "Anti-Fascist 70th Day": "抗战胜利纪念日"}


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a common year
        return d.replace(year=d.year + years, day=28)


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day if it has no such day."""
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DayInfo:
    working: bool
    holiday: str | None  # the holiday's name when it is a day off for a holiday
    makeup: bool  # a weekend day worked in lieu (调休上班)
    provisional: bool  # no official schedule for the year is loaded


@lru_cache(maxsize=1)
def _overrides() -> dict[date, tuple[bool, str]]:
    table: dict[date, tuple[bool, str]] = {}
    if OVERRIDES_FILE.exists():
        with OVERRIDES_FILE.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(row for row in f if not row.startswith("#")):
                kind = row["kind"].strip()
                if kind not in ("holiday", "workday"):
                    raise ValueError(f"{OVERRIDES_FILE}: kind must be holiday or workday")
                table[date.fromisoformat(row["date"].strip())] = (kind == "workday",
                                                                  row["name"].strip())
    return table


@lru_cache(maxsize=1)
def _override_years() -> frozenset[int]:
    return frozenset(d.year for d in _overrides())


@lru_cache(maxsize=8192)
def day_info(d: date) -> DayInfo:
    weekend = d.weekday() >= 5
    if d.year in _override_years():
        found = _overrides().get(d)
        if found is None:
            return DayInfo(not weekend, None, False, False)
        working, name = found
        return DayInfo(working, None if working else name, working and weekend, False)
    try:
        working = chinese_calendar.is_workday(d)
        _, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        fixed = FIXED_HOLIDAYS.get((d.month, d.day))
        return DayInfo(not weekend and fixed is None, fixed, False, True)
    holiday = HOLIDAY_ZH.get(name, name) if (name and not working) else None
    return DayInfo(working, holiday, working and weekend, False)


def is_working_day(d: date) -> bool:
    return day_info(d).working


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (counting starts the day after).

    Whole years are skipped by counting, then the day is found by bisection inside its year:
    the cost grows with the years and holidays crossed, never with the days."""
    if n <= 0:
        return start
    base, left, year_end = start, n, date(start.year, 12, 31)
    while (in_year := working_days_between(base, year_end)) < left:
        left -= in_year
        base, year_end = year_end, date(year_end.year + 1, 12, 31)
    lo, hi = base.toordinal() + 1, year_end.toordinal()
    while lo < hi:
        mid = (lo + hi) // 2
        if working_days_between(base, date.fromordinal(mid)) >= left:
            hi = mid
        else:
            lo = mid + 1
    return date.fromordinal(lo)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: the weekdays, counted arithmetically, corrected by the days
    of each year that the schedule moves (a weekday off, a weekend day worked)."""
    if end <= start:
        return 0
    a, b = start.toordinal(), end.toordinal()
    n = _weekdays_through(b) - _weekdays_through(a)
    for year in range(start.year, end.year + 1):
        days, running = _moved_days(year)
        n += running[bisect_right(days, b)] - running[bisect_right(days, a)]
    return n


def _weekdays_through(ordinal: int) -> int:
    """Monday to Friday among the days 1 … ``ordinal`` (day 1, 0001-01-01, was a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


@cache
def _moved_days(year: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The days of ``year`` whose status differs from the plain week, as sorted ordinals, and the
    running sum of their corrections (+1 a weekend day worked, -1 a weekday off), starting at 0.
    Read from the same sources, in the same order of precedence, as ``day_info``."""
    moved: dict[date, int] = {}
    if year in _override_years():
        for d, (working, _) in _overrides().items():
            if d.year == year:
                moved[d] = int(working) - int(d.weekday() < 5)
    elif year in _package_years():
        workdays, holidays = _package_days(year)
        for d in holidays:
            if d not in workdays and d.weekday() < 5:
                moved[d] = -1
        for d in workdays:
            if d.weekday() >= 5:
                moved[d] = 1
    else:
        for month, day in FIXED_HOLIDAYS:
            d = date(year, month, day)
            if d.weekday() < 5:
                moved[d] = -1
    days = sorted(d for d, delta in moved.items() if delta)
    running = [0]
    for d in days:
        running.append(running[-1] + moved[d])
    return tuple(d.toordinal() for d in days), tuple(running)


@lru_cache(maxsize=1)
def _package_years() -> range:
    """The years ``chinese-calendar`` has schedules for (it refuses the others)."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@cache
def _package_days(year: int) -> tuple[frozenset[date], frozenset[date]]:
    return (frozenset(d for d in chinese_calendar.workdays if d.year == year),
            frozenset(d for d in chinese_calendar.holidays if d.year == year))


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for d in days:
        if out and (d - out[-1][1]).days == 1:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def _fmt(r: tuple[date, date]) -> str:
    a, b = r
    if a == b:
        return a.isoformat()
    if a.year == b.year and a.month == b.month:
        return f"{a.isoformat()}..{b.day:02d}"
    return f"{a.isoformat()}..{b.isoformat()}"


def explain_working_days(start: date, n: int, label: str) -> tuple[date, str]:
    """The due date of "n working days after ``label`` ``start``" and how it was computed,
    e.g. "2025-05-08 = approval 2025-04-15 + 15 working days, skipping 2025-05-01..05"."""
    due = add_working_days(start, n)
    days = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    holidays = [d for d in days if day_info(d).holiday]
    makeup = [d for d in days if day_info(d).makeup]
    text = f"{due.isoformat()} = {label} {start.isoformat()} + {n} working days"
    if holidays:
        text += ", skipping " + ", ".join(_fmt(r) for r in _ranges(holidays))
    if makeup:
        text += ", counting make-up working day " + ", ".join(d.isoformat() for d in makeup)
    if any(day_info(d).provisional for d in days):
        text += " (provisional: no official holiday schedule loaded for "
        text += ", ".join(sorted({str(d.year) for d in days if day_info(d).provisional})) + ")"
    return due, text


def explain_years(start: date, years: int, label: str) -> tuple[date, str]:
    due = add_years(start, years)
    text = f"{due.isoformat()} = {label} {start.isoformat()} + {years} full year" + (
        "s" if years != 1 else "")
    if start.month == 2 and start.day == 29 and due.day == 28:
        text += " (29 February: the anniversary falls on 28 February)"
    return due, text


def explain_days(start: date, days: int, label: str) -> tuple[date, str]:
    due = start + timedelta(days=days)
    return due, f"{due.isoformat()} = {label} {start.isoformat()} + {days} days"


def explain_months(start: date, months: int, label: str) -> tuple[date, str]:
    due = add_months(start, months)
    return due, f"{due.isoformat()} = {label} {start.isoformat()} + {months} month" + (
        "s" if months != 1 else "")
