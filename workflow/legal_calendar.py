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
