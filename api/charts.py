"""Charts for people who would rather look, rendered with matplotlib in a CJK font."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
             "SimHei", "Microsoft YaHei")


M2_PER_HA = Decimal(10000)


class FontMissing(RuntimeError):
    pass


# matplotlib places marks with floats, so figures become floats here and nowhere else; every
# figure the API and the exports report stays Decimal.
def _ha(m2: Decimal | str) -> float:
    return float(Decimal(m2) / M2_PER_HA)


def _percent(ratio: Decimal | str | None) -> float:
    return float(Decimal(ratio or 0) * 100)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    names = {f.name for f in font_manager.fontManager.ttflist}
    chosen = [f for f in CJK_FONTS if f in names]
    if not chosen:
        raise FontMissing("no CJK font installed (Debian: fonts-wqy-microhei)")
    matplotlib.rcParams["font.sans-serif"] = chosen + ["DejaVu Sans"]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "path"  # text as outlines: no font needed to view
    return plt


def _save(fig: Any, fmt: str) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _headroom(ax: Any, top: float) -> None:
    """Room above the highest mark, so that no line or label sits on the frame."""
    ax.set_ylim(0, top * 1.18 if top > 0 else 1.0)


def quota_use(series: dict[str, Any], fmt: str) -> bytes:
    return _save(quota_use_figure(series), fmt)


def quota_use_figure(series: dict[str, Any]) -> Any:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    days = [date.fromisoformat(d) for d in series["dates"]]
    used = [_ha(v) for v in series["used_m2"]]
    allocated = _ha(series["allocated_m2"])
    ax.step(days, used, where="post", color="#1f77b4", linewidth=2, label="已使用 / used")
    ax.axhline(allocated, color="crimson", linestyle="--", linewidth=1.5,
               label="下达指标 / allocated")
    _headroom(ax, max([allocated, *used]))
    ax.annotate(f"下达 {allocated:,.2f} 公顷", xy=(0.01, allocated), xycoords=("axes fraction",
                "data"), xytext=(0, 4), textcoords="offset points", color="crimson",
                fontsize=9, va="bottom")
    ax.annotate(f"已用 {used[-1]:,.2f} 公顷", xy=(days[-1], used[-1]), xytext=(-4, 4),
                textcoords="offset points", ha="right", va="bottom", color="#1f77b4",
                fontsize=9)
    ax.set_title(f"{series['year']} 年度新增建设用地计划指标使用情况")
    ax.set_ylabel("公顷 (ha)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return fig


def unsupplied_by_township(rows: list[tuple[str, Decimal]], as_of: str, fmt: str) -> bytes:
    return _save(unsupplied_by_township_figure(rows, as_of), fmt)


def unsupplied_by_township_figure(rows: list[tuple[str, Decimal]], as_of: str) -> Any:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.4 * len(rows) + 1.2)))
    names = [r[0] for r in rows]
    values = [_ha(r[1]) for r in rows]
    bars = ax.barh(names, values, color="#c0504d", height=0.6)
    ax.bar_label(bars, labels=[f"{v:,.2f}" for v in values], padding=3, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(values) * 1.15 if values and max(values) > 0 else 1.0)
    if not rows:
        ax.text(0.5, 0.5, "无批而未供土地 / none", transform=ax.transAxes, ha="center",
                va="center", color="#666666")
    ax.set_title(f"批而未供土地（按乡镇街道）截至 {as_of}")
    ax.set_xlabel("公顷 (ha)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def supply_rate_by_cohort(cohorts: list[dict[str, Any]], minimum: Decimal, as_of: str,
                          fmt: str) -> bytes:
    return _save(supply_rate_figure(cohorts, minimum, as_of), fmt)


def supply_rate_figure(cohorts: list[dict[str, Any]], minimum: Decimal, as_of: str) -> Any:
    from matplotlib.patches import Patch

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    years = [str(c["cohort"]) for c in cohorts]
    rates = [_percent(c["supply_rate"]) for c in cohorts]
    line = _percent(minimum)
    colors = ["#4f81bd" if r >= line else "#e6a23c" for r in rates]
    bars = ax.bar(years, rates, color=colors, edgecolor="#2f4f6f", linewidth=0.8, width=0.6)
    # A 0 % cohort has no bar to see: its outline at the axis and its label say it is there.
    for bar, rate in zip(bars, rates, strict=True):
        if rate == 0:
            ax.plot([bar.get_x(), bar.get_x() + bar.get_width()], [0, 0], color="#c0392b",
                    linewidth=3, solid_capstyle="butt", clip_on=False, zorder=3)
    ax.bar_label(bars, labels=[f"{r:.1f}%" for r in rates], padding=3, fontsize=9)
    floor = ax.axhline(line, color="crimson", linestyle="--", linewidth=1.5,
                       label=f"{line:.0f}% 供地率底线 / minimum supply rate")
    ax.set_ylim(0, 112)
    ax.set_yticks(range(0, 101, 20))
    ax.set_title(f"各批次供地率（截至 {as_of}）")
    ax.set_xlabel("批准年度")
    ax.set_ylabel("供地率 (%)")
    # Below the plot: a legend inside would cover the bars of high cohorts.
    ax.legend(handles=[floor, Patch(color="#4f81bd", label="达到底线 / at or above"),
                       Patch(color="#e6a23c", label="低于底线 / below")],
              loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
