"""The idle-land clock, read one way by everyone who judges it: the determination
(``declare_idle``), the recovery (``recover``) and the auditors' idle-land list.

One clock row (kind ``idle_clock``) counts from the agreed start date; what it means on a given
day depends on three facts, all read here and nowhere else:

- 闲置土地处置办法 第二条: the land is idle one full year after the agreed start date without
  development (``idle_from``, moved by the days the clock was paused);
- 第八条第(四)项 and RULES.md §2.4: a clock paused for a government cause or force majeure
  stands still; while it stands, nothing becomes due (``paused_since``);
- 第八条第(一)项: land not handed over by the agreed date is a delay of the government's own
  making. The user is charged only for its own time: its year (fee, 第十四条) and two years
  (recovery without compensation) run from the hand-over when the hand-over was late
  (城市房地产管理法 第二十六条: "因政府…的行为…造成动工开发迟延的除外"). Until then the delay is
  the government's (``government_delay``), and a user-cause determination is refused.

Every answer is computed for a day ``on`` from effective dates (the clock's own dates and the
parcel's hand-over date), so an as-of question is answered as it would have been on that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from workflow import law
from workflow.deadlines.calendar import add_years

LATE_HAND_OVER = "late_hand_over"
ARTICLE_LATE_HAND_OVER = "闲置土地处置办法 第八条第(一)项、第十四条; 城市房地产管理法 第二十六条"
ARTICLE_PAUSED = "闲置土地处置办法 第八条; RULES.md §2.4"


class ClockRow(Protocol):
    """What is read of an ``idle_clock`` deadline row."""

    due_on: date
    clock_start: date | None
    recovery_on: date | None
    opened_on: date
    state: str
    paused_since: date | None


class ParcelFacts(Protocol):
    """What is read of the parcel: the hand-over and construction start of its current supply."""

    supplied_on: date | None
    handed_over_on: date | None
    construction_started_on: date | None


@dataclass(frozen=True)
class IdleReading:
    on: date
    clock_start: date | None
    # 第二条: the land counts as idle from this day (moved by pauses; projected while paused).
    idle_from: date
    # The user's own year and two years: from the agreed start, or from a late hand-over.
    fee_from: date
    recovery_from: date
    # The clock stands still on ``on`` (paused that day or earlier and not resumed).
    paused_since: date | None
    # The land was handed over on this day (None: not handed over by ``on``).
    handed_over_on: date | None
    # The land was not handed over by the agreed start date (第八条第(一)项).
    late_hand_over: bool

    @property
    def idle(self) -> bool:
        """Idle land on ``on`` (第二条), whoever caused it."""
        return self.paused_since is None and self.on >= self.idle_from

    @property
    def government_delay(self) -> str | None:
        """The government's own delay on ``on``: the land is not handed over yet although the
        agreed start has passed, or it was handed over late and the user's own year since has not
        run out."""
        if self.late_hand_over and (self.handed_over_on is None or self.on < self.fee_from):
            return LATE_HAND_OVER
        return None

    @property
    def user_chargeable(self) -> bool:
        """The idle-land fee may be charged to the user on ``on`` (第十四条:
        "除第八条规定情形外")."""
        return self.idle and self.government_delay is None and self.on >= self.fee_from

    @property
    def recovery_due(self) -> bool:
        """Recovery without compensation is lawful on ``on`` (two full years of the user's own)."""
        return self.user_chargeable and self.on >= self.recovery_from

    def details(self) -> dict[str, object]:
        """What a refusal or a list row says about the clock."""
        out: dict[str, object] = {"idle_from": self.idle_from, "fee_from": self.fee_from,
                                  "recovery_from": self.recovery_from}
        if self.paused_since is not None:
            out.update(paused_since=self.paused_since, article=ARTICLE_PAUSED)
        if self.government_delay is not None:
            out.update(government_delay=self.government_delay, agreed_start=self.clock_start,
                       handed_over_on=self.handed_over_on, article=ARTICLE_LATE_HAND_OVER)
        return out


def read_idle_clock(d: ClockRow, parcel: ParcelFacts, on: date) -> IdleReading:
    """What the idle clock ``d`` of ``parcel`` says on ``on``: the one reading shared by the
    determination, the recovery and the auditors' list."""
    start = d.clock_start
    paused = d.paused_since if (d.state == "paused" and d.paused_since is not None
                                and d.paused_since <= on) else None
    # While it stands still the clock's dates move a day for every day paused so far.
    stood = timedelta(days=(on - paused).days if paused is not None else 0)
    idle_from = d.due_on + stood
    recovery_from = (d.recovery_on or (
        add_years(start, law.value("idle.recovery_threshold_years", on)) if start is not None
        else add_years(d.due_on, law.value("idle.recovery_threshold_years", on)
                       - law.value("idle.not_started_threshold_years", on)))) + stood
    fee_from = idle_from
    # The hand-over of the clock's own supply: a clock opened before the current supply (a
    # parcel recovered and supplied again) belongs to another cycle, whose hand-over is gone.
    same_cycle = parcel.supplied_on is None or d.opened_on >= parcel.supplied_on
    handed = parcel.handed_over_on if (same_cycle and parcel.handed_over_on is not None
                                       and parcel.handed_over_on <= on) else None
    started = (parcel.construction_started_on is not None
               and parcel.construction_started_on <= on)
    late = (same_cycle and not started and start is not None
            and (handed > start if handed is not None else on > start))
    if late and handed is not None:
        # The user's year and two years run from the hand-over (第八条第(一)项、第十四条).
        years = law.value("idle.not_started_threshold_years", on)
        fee_from = max(idle_from, add_years(handed, years))
        recovery_from = max(recovery_from,
                            add_years(handed, law.value("idle.recovery_threshold_years", on)))
    return IdleReading(on=on, clock_start=start, idle_from=idle_from, fee_from=fee_from,
                       recovery_from=recovery_from, paused_since=paused, handed_over_on=handed,
                       late_hand_over=late)
