"""bench/summary.py: the first section of bench/RESULTS.md, from the figures the benchmarks
recorded — met or not met by the issue's thresholds, missing scripts said so, nothing made up."""

from __future__ import annotations

from pathlib import Path

from bench import summary
from bench.common import record_figures

HAND_WRITTEN = """# Benchmark results

Written by the scripts in `bench/` (`make bench`).

## Issue 15: where each target stands (written by hand, 2026-12-02)
| target | figure reached |
|---|---|
| 1. transitions | 0.18 |

## Crash safety (SIGKILL mid-load)
Run earlier.
"""


def rows(body: str) -> dict[str, list[str]]:
    """Table rows by their target's key (the text before the first dot or space)."""
    out = {}
    for line in body.splitlines():
        if line.startswith("| ") and not line.startswith("| target"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            out[cells[0].split(".")[0].split(" ")[0]] = cells
    return out


def test_rows_are_judged_from_the_recorded_figures(tmp_path: Path) -> None:
    figures, results = tmp_path / "figures", tmp_path / "RESULTS.md"
    results.write_text(HAND_WRITTEN, encoding="utf-8")
    record_figures("transitions", {
        "1": {"value": 0.18, "scale": 8, "figure": "app 50/s, 33/s at 4 clients, 8 clients",
              "baseline": "raw SQL 282/s, 566/s", "ratio": "0.18, 0.06",
              "limit": "p50 69 ms over HTTP."},
        "2": {"value": 1.63, "scale": 8, "figure": "raw ×2.49, app ×1.63",
              "baseline": "counter row ×1.39", "ratio": "2.47"}}, folder=figures)
    record_figures("profile_transition", {"1": {"limit": "8.3 ms of CPU per request."}},
                   folder=figures)
    record_figures("audit", {"3a": {"value": 40.0, "scale": 2000, "figure": "worst p95 40 ms"},
                             "3b": {"value": 90.0, "scale": 2000, "figure": "p95 90 ms"}},
                   folder=figures)
    record_figures("crash", {"crash": {"value": 0, "figure": "0 discrepancies"}},
                   folder=figures)

    body = summary.main(["--figures", str(figures), "--results", str(results)])
    table = rows(body)

    assert table["1"][2] == "app 50/s, 33/s at 4 clients, 8 clients"
    assert table["1"][4] == "0.18, 0.06"
    assert table["1"][5] == "**not met**"
    # The profile's sentence joins the transitions' own, named and dated.
    assert table["1"][6].startswith("p50 69 ms over HTTP. profile_transition (")
    assert table["1"][6].endswith("): 8.3 ms of CPU per request.")
    assert table["2"][5] == "**met**"
    assert table["crash"][5] == "**met**"
    # A small run is reported, not judged against a target set at 1,000,000 parcels.
    assert table["3"][5].startswith("not judged: run at 2,000 parcels")
    for key in ("4", "5", "6"):
        assert "not run in this `make bench`" in table[key][2], table[key]
        assert table[key][1] == "—"

    text = results.read_text(encoding="utf-8")
    assert "written by hand" not in text
    assert text.index("## Issue 15: where each target stands\n") < text.index(
        "## Crash safety (SIGKILL mid-load)\nRun earlier.\n")
    assert text.startswith("# Benchmark results\n\nWritten by the scripts")


def test_a_target_is_met_only_on_the_right_side_of_its_threshold(tmp_path: Path) -> None:
    figures, results = tmp_path / "figures", tmp_path / "RESULTS.md"
    record_figures("import", {"4": {"value": 20_000, "scale": 200_000}}, folder=figures)
    record_figures("exports", {"5": {"value": 300.0, "scale": 1_000_000}}, folder=figures)
    record_figures("counties", {"6": {"value": 0.79, "scale": 8}}, folder=figures)
    record_figures("crash", {"crash": {"value": 1}}, folder=figures)

    table = rows(summary.main(["--figures", str(figures), "--results", str(results)]))

    assert table["4"][5] == "**met**"  # ≥ 20,000
    assert table["5"][5] == "**not met**"  # < 300 MB
    assert table["6"][5] == "**not met**"
    assert table["crash"][5] == "**not met**"
    assert "not run in this `make bench`" in table["1"][2]
    # Run again: the section is replaced, not repeated.
    summary.main(["--figures", str(figures), "--results", str(results)])
    assert results.read_text(encoding="utf-8").count("## Issue 15: where each target") == 1
