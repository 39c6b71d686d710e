"""bench/counties.py: the equal-clients comparison that tells cross-county contention from a
lack of cores, and the machine's CPU reading it reports."""

from __future__ import annotations

from bench import counties
from bench.common import cpu_jiffies


def test_the_machine_cpu_reading_counts_busy_time_within_the_total() -> None:
    busy0, total0 = cpu_jiffies()
    sum(i * i for i in range(200_000))  # some busy time to see
    busy1, total1 = cpu_jiffies()
    assert 0 < busy0 <= total0
    assert busy0 <= busy1 and total0 <= total1
    assert busy1 - busy0 <= total1 - total0


def test_alternated_runs_are_summed_and_their_readings_weighted_by_time() -> None:
    both = counties.summed(counties.Run(1.0, 100, 0.5, 4.0), counties.Run(3.0, 100, 1.0, 0.0))
    assert both == counties.Run(4.0, 200, 0.875, 1.0)
    assert both.rate == 50.0


def test_the_limit_is_read_from_the_spread_lock_waits_then_the_cpu() -> None:
    # Lock waits across counties decide first, however busy the cores were.
    assert counties.reading(0.10, 1.0).startswith("Writers in different counties still waited")
    assert counties.reading(0.09, 0.8).startswith("The cores, not the counties")
    # One county at 55% of the cores: 8 need 4.4 × the machine, about 0.23 of 8 × its rate.
    half = counties.reading(0.0, 0.55)
    assert half.startswith("The cores, not the counties") and "4.4 ×" in half
    assert "about 0.23" in half
    assert counties.reading(0.0, 0.09).startswith("No writer waited on a lock across counties, "
                                                  "and the cores had room")
