"""Auditor endpoints and the daily sweep on a large portfolio (PostgreSQL).

    python bench/audit.py --parcels 1000000

Generates the portfolio with COPY, then measures p50/p95 of the auditor endpoints in-process
(paged lists and summaries, with and without a township filter, at several ``as_of`` dates) and,
as the baseline in the same process, the same SQL statements executed directly with psycopg: the
ratio app/raw says how much the application adds on top of the database. The summaries are
also computed row by row (``unsupplied_summary_rows``, the definition the stock deltas must
equal) in the same process: the answers are checked equal and app/row-level is the gain of the
pre-aggregation (issue 15 item 3). Then it runs
``landflow sweep`` in a subprocess and reports its time and peak memory, and the query plans of
the slowest statements.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

# Python puts this folder first on the import path, where bench/transitions.py would shadow the
# `transitions` library the app uses: take it off and put the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.common import (  # noqa: E402
    fresh_database,
    machine,
    percentiles,
    psycopg_dsn,
    record_figures,
    stamp,
    timed,
    write_section,
)
from bench.portfolio import generate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--database", default="landflow_bench_audit")
    ap.add_argument("--reuse", action="store_true", help="keep an already generated database")
    ap.add_argument("--section", default=None)
    args = ap.parse_args()

    from api import create_app
    from bench.portfolio import vacuum
    from workflow.accounts.services import add_user
    from workflow.config import Settings
    from workflow.operator.migrate import upgrade
    from workflow.operator.seed import load_seed
    from workflow.runtime import Runtime, SystemClock
    if args.reuse:
        from sqlalchemy.engine import make_url

        from bench.common import DEFAULT_SERVER
        url = make_url(DEFAULT_SERVER).set(database=args.database).render_as_string(False)
        upgrade(url)  # a reused portfolio gets the current schema and indexes
        vacuum(psycopg_dsn(url))
    else:
        url = fresh_database(args.database)
        upgrade(url)
    settings = Settings(database_url=url, secret_key="bench", pool_size=4)
    runtime = Runtime.from_settings(settings, clock=SystemClock())
    today = runtime.clock.today()
    if not args.reuse:
        load_seed(runtime.uow())
        t0 = time.perf_counter()
        counts = generate(psycopg_dsn(url), args.parcels, today=today)
        gen_s = time.perf_counter() - t0
        print(f"generated {counts} in {gen_s:.1f}s", file=sys.stderr)
        # The rows were written with COPY, past the steps: their stock deltas are rebuilt.
        from workflow.reports.flows import rebuild
        t0 = time.perf_counter()
        with runtime.engine.begin() as conn:
            flows = rebuild(conn)
        flow_s = time.perf_counter() - t0
        vacuum(psycopg_dsn(url))
        print(f"rebuilt {flows} stock-flow rows in {flow_s:.1f}s", file=sys.stderr)
    else:
        gen_s = flow_s = 0.0
    token = add_user(runtime.uow(), f"bench-auditor-{time.time_ns()}", "auditor").token
    app = create_app(runtime=runtime)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    statements: list[tuple[str, object]] = []

    @event.listens_for(runtime.engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append((statement, parameters))

    dates = [today.isoformat(), "2024-06-30", "2021-12-31", "2019-01-01"]
    cases = []
    for d in dates:
        cases += [
            (f"idle-land page 1 as_of {d}", f"/api/v1/audit/idle-land?as_of={d}", "list"),
            (f"unsupplied page 1 as_of {d}", f"/api/v1/audit/unsupplied?as_of={d}", "list"),
            (f"summary as_of {d}", f"/api/v1/audit/unsupplied/summary?as_of={d}", "summary"),
        ]
    t = "南宾街道"
    cases += [
        ("idle-land page 1, township", f"/api/v1/audit/idle-land?township={t}", "list"),
        ("idle-land page 200", "/api/v1/audit/idle-land?page=200", "list"),
        ("unsupplied page 1, township", f"/api/v1/audit/unsupplied?township={t}", "list"),
        ("unsupplied 供而未用", "/api/v1/audit/unsupplied?category=supplied_unused", "list"),
        ("unsupplied 征而未供, township, 2024-06-30",
         f"/api/v1/audit/unsupplied?category=expropriated_unsupplied&township={t}"
         "&as_of=2024-06-30", "list"),
        ("unsupplied cohort 2022", "/api/v1/audit/unsupplied?cohort=2022", "list"),
        ("summary, township", f"/api/v1/audit/unsupplied/summary?township={t}", "summary"),
        ("summary, township, 2022-03-15",
         f"/api/v1/audit/unsupplied/summary?township={t}&as_of=2022-03-15", "summary"),
        ("indicators", "/api/v1/audit/indicators", "summary"),
    ]
    dsn = psycopg_dsn(url)
    raw = psycopg.connect(dsn, autocommit=True, options="-c jit=off")  # as the app connects
    from datetime import date as _date

    from workflow.access import Actor
    from workflow.models import Account
    from workflow.reports import queries as q
    with runtime.reader() as uow:
        acc = uow.session.query(Account).filter_by(role="auditor").order_by(
            Account.id.desc()).first()
        auditor = Actor(acc.id, acc.name, "auditor")
    rows = []
    slow: list[tuple[float, str, object]] = []
    for label, path, kind in cases:
        statements.clear()
        r = client.get(path, headers=headers)
        assert r.status_code == 200, (path, r.status_code, r.get_data()[:300])
        captured = [s for s in statements if not s[0].lstrip().upper().startswith(
            ("BEGIN", "ROLLBACK", "COMMIT"))]

        def http_call(path: str = path) -> None:
            client.get(path, headers=headers)

        def raw_call(captured: list = captured) -> None:
            for sql, params in captured:
                raw.execute(sql, params).fetchall()

        app_ms = timed(http_call, args.repeat)
        raw_ms = timed(raw_call, args.repeat)
        a50, a95, _ = percentiles(app_ms)
        r50, r95, _ = percentiles(raw_ms)
        b50 = None
        if "/summary" in path:
            # The baseline: the same summary row by row, in this process; and the same answer.
            from urllib.parse import parse_qs, urlparse
            qs = {k: v[0] for k, v in parse_qs(urlparse(path).query).items()}
            kw = {"township": qs.get("township"),
                  "as_of": _date.fromisoformat(qs["as_of"]) if "as_of" in qs else None}
            fast = q.unsupplied_summary(runtime.reader(), auditor, **kw)
            slow_answer = q.unsupplied_summary_rows(runtime.reader(), auditor, **kw)
            assert fast == slow_answer, (label, fast, slow_answer)

            def rows_call(kw: dict = kw) -> None:
                q.unsupplied_summary_rows(runtime.reader(), auditor, **kw)

            b50, _, _ = percentiles(timed(rows_call, max(3, args.repeat // 4), warmup=1))
        rows.append((label, kind, a50, a95, r50, r95, b50))
        print(f"{label:<40} app p50 {a50:7.1f} p95 {a95:7.1f} ms | raw p50 {r50:7.1f} ms | "
              f"app/raw {a50 / r50 if r50 else 0:5.2f}"
              + (f" | row-level p50 {b50:7.1f} ms, app/row-level {a50 / b50:5.3f} (equal)"
                 if b50 else ""), file=sys.stderr)
        for sql, params in captured:
            t0 = time.perf_counter()
            raw.execute(sql, params).fetchall()
            slow.append(((time.perf_counter() - t0) * 1000, sql, params))

    slow.sort(key=lambda x: -x[0])
    plans = []
    seen = set()
    for ms, sql, params in slow:
        key = sql[:200]
        if key in seen:
            continue
        seen.add(key)
        plan = "\n".join(r[0] for r in raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params))
        plans.append((ms, sql, params, plan))
        if len(plans) == 3:
            break

    # The sweep, in its own process, as cron would run it.
    env = dict(os.environ, DATABASE_URL=url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([str(Path(sys.executable).parent / "landflow"), "sweep"],
                          env=env, capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    sweep_s = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(proc.stdout, proc.stderr[-2000:], file=sys.stderr)
    assert proc.returncode == 0, proc.stderr
    t0 = time.perf_counter()
    again = subprocess.run([str(Path(sys.executable).parent / "landflow"), "sweep"], env=env,
                           capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    sweep2_s = time.perf_counter() - t0
    assert again.returncode == 0, again.stderr
    del before

    n = args.parcels
    made = (f"{n:,} parcels generated with COPY in {gen_s:.1f} s ({n / gen_s:,.0f} parcels/s), "
            f"stock deltas rebuilt in {flow_s:.1f} s."
            if not args.reuse else
            f"{n:,} parcels generated by an earlier run (--reuse), migrated to the current schema.")
    first = ("first run, as of today" if not args.reuse else
             "already swept by an earlier run, so this pass is a repeat")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [f"Run {stamp()} on {machine()}; load average at the end {load} (the machine is "
             "shared: latencies scale with it, the ratios less so).", "",
             f"{made} Latencies in ms, {args.repeat} "
             "requests each after 2 warm-ups, in-process (Flask test client, no network); "
             "raw = the same SQL statements executed directly with psycopg in the same process; "
             "row-level = the unsupplied summary computed row by row (the definition, "
             "`unsupplied_summary_rows`) in the same process — checked equal to the answer "
             "summed from the stock deltas.",
             "", "| request | kind | app p50 | app p95 | raw p50 | raw p95 | app/raw (p50) "
             "| row-level p50 | app/row-level (p50) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, kind, a50, a95, r50, r95, b50 in rows:
        lines.append(f"| {label} | {kind} | {a50:.1f} | {a95:.1f} | {r50:.1f} | {r95:.1f} | "
                     f"{a50 / r50 if r50 else 0:.2f} | "
                     + (f"{b50:.1f} | {a50 / b50:.3f} |" if b50 else "— | — |"))
    worst_list = max(r[3] for r in rows if r[1] == "list")
    worst_summary = max(r[3] for r in rows if r[1] == "summary")
    lines += ["", f"Worst p95: paged lists {worst_list:.1f} ms (target < 100), summaries "
                  f"{worst_summary:.1f} ms (target < 500).", "",
              f"`landflow sweep` ({first}): {sweep_s:.1f} s, peak RSS "
              f"{peak_mb:.0f} MB (target < 30 s, < 500 MB); second run (idempotent, nothing to "
              f"do): {sweep2_s:.1f} s.", "", "```", proc.stdout.strip(), "```", "",
              "Slowest statements and their plans:", ""]
    for ms, sql, params, plan in plans:
        lines += [f"{ms:.1f} ms:", "```sql", sql.strip(), f"-- {params}", "```", "```",
                  plan, "```", ""]
    write_section(args.section or f"Auditor endpoints and sweep, {n:,} parcels",
                  "\n".join(lines))
    record_figures("audit", figures(rows, n, load))
    print("\n".join(lines))


def figures(rows: list[tuple], parcels: int, load: str) -> dict[str, dict]:
    """Targets 3a and 3b from the rows (label, kind, app p50, app p95, raw p50, raw p95,
    row-level p50 or None)."""
    worst = max((r for r in rows if r[1] == "list"), key=lambda r: r[3])
    top = max((r for r in rows if r[1] == "summary"), key=lambda r: r[3])
    levels = [(r[2] / r[6], r[6]) for r in rows if r[6]]
    out = {"3a": {
        "value": round(worst[3], 1), "scale": parcels,
        "figure": f"worst p95 {worst[3]:.1f} ms ({worst[0]}, {parcels:,} parcels)",
        "baseline": f"its SQL alone (raw psycopg) p95 {worst[5]:.1f} ms",
        "ratio": f"app/raw p95 {worst[3] / worst[5]:.2f}" if worst[5] else "",
        "limit": f"Of its {worst[3]:.1f} ms p95 the statements take {worst[5]:.1f} ms; the "
                 f"rest is the application's work per request. Load average at the end "
                 f"{load}."}}
    out["3b"] = {
        "value": round(top[3], 1), "scale": parcels,
        "figure": f"worst p95 {top[3]:.1f} ms ({top[0]}, {parcels:,} parcels)",
        "baseline": "the summary row by row (the definition): p50 "
                    f"{min(b for _, b in levels):.1f}–{max(b for _, b in levels):.1f} ms"
                    if levels else "",
        "ratio": f"app/row-level p50 {min(a for a, _ in levels):.3f}–"
                 f"{max(a for a, _ in levels):.3f}" if levels else "",
        "limit": f"Its SQL alone p95 {top[5]:.1f} ms (raw psycopg). Load average at the end "
                 f"{load}."}
    return out


if __name__ == "__main__":
    main()
