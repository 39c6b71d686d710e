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


def test_alternated_runs_are_summed_and_their_cpu_weighted_by_time() -> None:
    both = counties.summed(counties.Run(1.0, 100, 0.5), counties.Run(3.0, 100, 1.0))
    assert both == counties.Run(4.0, 200, 0.875)
    assert both.rate == 50.0


def test_the_limit_is_read_from_the_spread_ratio_then_the_cpu() -> None:
    assert counties.reading(0.90, 1.0).startswith("Spreading over counties was slower")
    assert counties.reading(0.95, 0.9).startswith("The cores, not the counties")
    assert counties.reading(1.20, 0.5).startswith("Nothing across counties contends, and "
                                                  "the CPU had room")
