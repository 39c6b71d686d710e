"""Legal time arithmetic: calendar anniversaries ("满一年") and working days.

"One full year" is reached on the calendar anniversary; an anniversary of 29 February falls on
28 February in a common year (RULES.md §0.3).
"""

from __future__ import annotations

from datetime import date


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a common year
        return d.replace(year=d.year + years, day=28)


def is_working_day(d: date) -> bool:
    """Interim: Monday to Friday. The legal calendar (holidays and make-up days) replaces this."""
    return d.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (counting starts the day after, RULES.md §0.3)."""
    from datetime import timedelta

    d = start
    counted = 0
    while counted < n:
        d += timedelta(days=1)
        if is_working_day(d):
            counted += 1
    return d
