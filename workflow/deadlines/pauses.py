"""How a pause moves a clock: in the unit the clock counts.

RULES.md §0.3: periods excluded from a time limit (补正材料, 公告, 实地查看, 听证 …) are
"clock-stopped" intervals. A limit in calendar days (or years) moves by the calendar days the
clock stood still; a limit in working days (工作日) moves by the working days the pause covered
(重庆市土地房屋权属登记条例 第二十五条: the time spent supplementing materials is not counted in
the working-day limit). The clock stood still on the days after the pause up to and including
the day it resumed, as a period "自…之日起" counts from the next day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from workflow.deadlines.calendar import add_working_days, working_days_between

# Clocks whose limit is counted in working days.
WORKING_DAY_KINDS = frozenset({
    "registration",  # 重庆市土地房屋权属登记条例 第二十五条 (15 working days)
    "expropriation_announcement",  # 土地管理法实施条例 第三十一条 (15 working days)
})


class PausedClock(Protocol):
    kind: str
    due_on: date
    state: str
    paused_since: date | None


def counts_working_days(kind: str) -> bool:
    return kind in WORKING_DAY_KINDS


def moved_by_pause(kind: str, due: date, paused_since: date, resumed_on: date
                   ) -> tuple[date, int, str]:
    """``due`` moved by a pause from ``paused_since`` to ``resumed_on``: the new due date, the
    days it moved and their unit ("working days" or "days")."""
    if counts_working_days(kind):
        n = working_days_between(paused_since, resumed_on)
        return add_working_days(due, n), n, "working days"
    n = max(0, (resumed_on - paused_since).days)
    return due + timedelta(days=n), n, "days"


def due_on_day(d: PausedClock, on: date) -> date:
    """The clock's due date as it stands on ``on``: a clock paused on or before ``on`` has moved
    by the days (in its unit) it has stood still so far."""
    if d.state == "paused" and d.paused_since is not None and d.paused_since <= on:
        return moved_by_pause(d.kind, d.due_on, d.paused_since, on)[0]
    return d.due_on
