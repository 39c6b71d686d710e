"""The auditors' charts can be read (issue 14, item 8): the allocation line clears the frame,
bars carry their values, the supply-rate legend covers no bar, a 0 % cohort is visible."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api import charts

SERIES = {"year": 2025, "allocated_m2": "1334000.00",
          "dates": ["2025-01-01", "2025-04-15", "2025-06-30"],
          "used_m2": ["0.00", "8500.00", "8500.00"]}
COHORTS = [{"cohort": 2022, "supply_rate": "1.0000"}, {"cohort": 2023, "supply_rate": "0.4444"},
           {"cohort": 2024, "supply_rate": "0.0000"}]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("used", ["8500.00", "1334000.00", "1400000.00"])
def test_the_allocation_line_is_inside_the_plot_not_on_its_frame(used):
    fig = charts.quota_use_figure({**SERIES, "used_m2": ["0.00", used, used]})
    ax = fig.axes[0]
    allocated = 133.4
    bottom, top = ax.get_ylim()
    assert bottom == 0 and top > max(allocated, float(used) / 10000) * 1.1
    assert any("133.40" in t for t in texts(ax))  # the allocation is labelled with its value
    assert any(t.startswith("已用") for t in texts(ax))


def test_township_bars_carry_their_values():
    fig = charts.unsupplied_by_township_figure(
        [("南宾街道", Decimal("40000.00")), ("黄水镇", Decimal("10000.00"))], "2025-06-30")
    ax = fig.axes[0]
    assert {"4.00", "1.00"} <= set(texts(ax))
    assert ax.get_xlim()[1] > 4.0 * 1.1  # the longest label fits inside


def test_supply_rate_bars_are_labelled_and_the_legend_covers_none_of_them():
    fig = charts.supply_rate_figure(COHORTS, Decimal("0.60"), "2025-06-30")
    ax = fig.axes[0]
    assert {"100.0%", "44.4%", "0.0%"} <= set(texts(ax))
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    plot = ax.get_window_extent()
    assert legend.y1 <= plot.y0  # below the plot, whatever the bars' heights
    assert ax.get_ylim()[1] > 100  # a 100 % bar's label has room


def test_a_zero_percent_cohort_is_drawn():
    fig = charts.supply_rate_figure(COHORTS, Decimal("0.60"), "2025-06-30")
    ax = fig.axes[0]
    zero_bar = ax.containers[0][2]
    marks = [ln for ln in ax.lines
             if list(ln.get_ydata()) == [0, 0] and ln.get_linewidth() >= 2]
    assert marks, "nothing drawn for the 0 % cohort"
    xs = marks[0].get_xdata()
    assert xs[0] == pytest.approx(zero_bar.get_x())
    assert xs[1] == pytest.approx(zero_bar.get_x() + zero_bar.get_width())


def test_the_charts_render_as_png_and_svg():
    assert charts.quota_use(SERIES, "png").startswith(b"\x89PNG")
    assert b"<svg" in charts.supply_rate_by_cohort(COHORTS, Decimal("0.60"), "2025-06-30",
                                                   "svg")[:400]
