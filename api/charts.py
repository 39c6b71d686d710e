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


def quota_use(series: dict[str, Any], fmt: str) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    days = [date.fromisoformat(d) for d in series["dates"]]
    ax.step(days, [_ha(v) for v in series["used_m2"]], where="post",
            label="已使用 / used")
    ax.axhline(_ha(series["allocated_m2"]), color="crimson", linestyle="--",
               label="下达指标 / allocated")
    ax.set_title(f"{series['year']} 年度新增建设用地计划指标使用情况")
    ax.set_ylabel("公顷 (ha)")
    ax.legend()
    fig.autofmt_xdate()
    return _save(fig, fmt)


def unsupplied_by_township(rows: list[tuple[str, Decimal]], as_of: str, fmt: str) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, max(3, 0.35 * len(rows) + 1)))
    names = [r[0] for r in rows]
    ax.barh(names, [_ha(r[1]) for r in rows], color="#c0504d")
    ax.invert_yaxis()
    ax.set_title(f"批而未供土地（按乡镇街道）截至 {as_of}")
    ax.set_xlabel("公顷 (ha)")
    return _save(fig, fmt)


def supply_rate_by_cohort(cohorts: list[dict[str, Any]], minimum: Decimal, as_of: str,
                          fmt: str) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    years = [str(c["cohort"]) for c in cohorts]
    rates = [_percent(c["supply_rate"]) for c in cohorts]
    ax.bar(years, rates, color="#4f81bd")
    ax.axhline(_percent(minimum), color="crimson", linestyle="--",
               label=f"{_percent(minimum):.0f}% 供地率底线 / minimum supply rate")
    ax.set_ylim(0, 100)
    ax.set_title(f"各批次供地率（截至 {as_of}）")
    ax.set_xlabel("批准年度")
    ax.set_ylabel("供地率 (%)")
    ax.legend()
    return _save(fig, fmt)
