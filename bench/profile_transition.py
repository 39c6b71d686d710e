"""Where a transition's time goes: the hot path under cProfile, in process, on PostgreSQL.

    python bench/profile_transition.py --parcels 40

Carries ``--parcels`` state-owned parcels through the chain of ``bench/transitions.py`` (survey,
plan, approve, supply, hand_over, a payment record, start_construction, inspect, register)
through the Flask app (test client: the whole request, no network), one after the other, and
reports per request: wall and CPU milliseconds, SQL statements and round trips, and where the
CPU goes by package (SQLAlchemy ORM / Core, psycopg, Flask and werkzeug, marshmallow,
transitions, JSON, Landflow's own code), with the top functions. The summary is written to
bench/RESULTS.md ("Transitions: the hot-path profile").
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import event  # noqa: E402

from bench.common import chain_database, machine, record_figures, stamp, write_section  # noqa: E402
from bench.transitions import STEPS, SURVEY  # noqa: E402

GROUPS = [  # (label, path fragments), first match wins
    ("SQLAlchemy ORM", ("sqlalchemy/orm/",)),
    ("SQLAlchemy Core (compile, execute, types)", ("sqlalchemy/",)),
    ("psycopg (driver, incl. waiting on the server)", ("psycopg/", "psycopg_binary",
                                                      "psycopg_pool")),
    ("Flask, werkzeug", ("flask/", "werkzeug/", "flask_smorest/", "webargs/")),
    ("marshmallow", ("marshmallow/",)),
    ("transitions (state machine)", ("transitions/",)),
    ("JSON (json, orjson)", ("json/", "orjson")),
    ("Landflow (states, workflow, api)", ("/states/", "/workflow/", "/api/")),
    ("hashlib, decimal, datetime, other stdlib", ("/lib/python3",)),
]


def group_of(filename: str) -> str:
    for label, parts in GROUPS:
        if any(p in filename for p in parts):
            return label
    if filename.startswith("~") or filename == "~":
        return "builtins (C functions)"
    return "other"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=40)
    ap.add_argument("--database", default="landflow_bench_profile")
    ap.add_argument("--top", type=int, default=18)
    args = ap.parse_args()

    from api import create_app
    from workflow.config import Settings
    from workflow.runtime import Runtime

    url, tokens, _township, _account = chain_database(args.database, "prof", "100000000")
    rt = Runtime.from_settings(Settings(database_url=url, secret_key="prof"))
    app = create_app(runtime=rt)
    client = app.test_client()
    statements = Counter()

    stmt_time: dict[str, float] = defaultdict(float)
    stmt_calls: Counter = Counter()

    @event.listens_for(rt.engine, "before_cursor_execute")
    def _count(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        statements[statement.split(None, 1)[0].upper()] += 1
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(rt.engine, "after_cursor_execute")
    def _timed(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        key = " ".join(statement.split())[:110]
        stmt_time[key] += time.perf_counter() - conn.info.pop("t0", time.perf_counter())
        stmt_calls[key] += 1

    commits = Counter()

    @event.listens_for(rt.engine, "commit")
    def _commit(conn):  # noqa: ANN001
        commits["COMMIT"] += 1

    @event.listens_for(rt.engine, "rollback")
    def _rollback(conn):  # noqa: ANN001
        commits["ROLLBACK"] += 1

    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}", "Content-Type": "application/json"}

    def carry(prefix: str, n: int) -> int:
        requests = 0
        for i in range(n):
            r = client.post("/api/v1/parcels", headers=headers("clerk"),
                            data=json.dumps({**SURVEY, "code": f"{prefix}-{i}"}))
            assert r.status_code == 201, r.get_json()
            pid = r.get_json()["parcel"]["id"]
            requests += 1
            for suffix, template in STEPS:
                body = json.loads(json.dumps(template).replace("{n}", f"{prefix}{i}"))
                who = "approver" if suffix.endswith("approve") else "clerk"
                r = client.post(f"/api/v1/parcels/{pid}/{suffix}", headers=headers(who),
                                data=json.dumps(body))
                assert r.status_code in (200, 201), (suffix, r.get_json())
                requests += 1
        return requests

    carry("WARM", 3)
    statements.clear()
    commits.clear()
    stmt_time.clear()
    stmt_calls.clear()
    # CPU time, not wall time: waiting for the database (or for a core) is not counted.
    prof = cProfile.Profile(time.process_time)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    prof.enable()
    n = carry("PROF", args.parcels)
    prof.disable()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    per_stmt = {k: v / n for k, v in statements.items()}
    total_stmts = sum(statements.values()) / n
    slow = sorted(stmt_time.items(), key=lambda kv: -kv[1])[:12]
    calls = dict(stmt_calls)
    ended = {k: v / n for k, v in commits.items()}
    # Without the profiler's overhead, the same work again:
    wall1, cpu1 = time.perf_counter(), time.process_time()
    n2 = carry("PLAIN", args.parcels)
    plain_wall, plain_cpu = time.perf_counter() - wall1, time.process_time() - cpu1
    rt.engine.dispose()

    stats = pstats.Stats(prof)
    by_group: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        by_group[group_of(filename)] += tt
        total += tt
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:args.top]
    def by_count(kv: tuple[str, float]) -> float:
        return -kv[1]

    lines = [
        f"Run {stamp()} on {machine()}.", "",
        f"{n} requests in process (Flask test client, PostgreSQL, one after the other): "
        f"{args.parcels} state-owned parcels × 9 requests (survey, plan, approve, supply, "
        "hand_over, a payment record, start_construction, inspect, register).", "",
        "| | per request |", "|---|---|",
        f"| wall ms (no profiler) | {plain_wall / n2 * 1000:.2f} |",
        f"| CPU ms of this process (no profiler) | {plain_cpu / n2 * 1000:.2f} |",
        f"| wall ms / CPU ms under cProfile | {wall / n * 1000:.2f} / {cpu / n * 1000:.2f} |",
        f"| SQL statements | {total_stmts:.1f} "
        f"({', '.join(f'{k} {v:.1f}' for k, v in sorted(per_stmt.items(), key=by_count))}) |",
        f"| transactions ended | {sum(ended.values()):.2f} "
        f"({', '.join(f'{k} {v:.2f}' for k, v in ended.items())}) |",
        "", "CPU under cProfile (process time: waiting excluded) by package, own time:", "",
        "| package | share | ms per request |", "|---|---|---|"]
    for label, tt in sorted(by_group.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {label} | {tt / total * 100:.0f}% | {tt / n * 1000:.2f} |")
    lines += ["", f"Top {args.top} functions by own time:", "", "```"]
    for (filename, line, name), (_cc, nc, tt, _ct, _callers) in top:
        short = filename.split("site-packages/")[-1].replace(str(_HERE.parent) + "/", "")
        lines.append(f"{tt / n * 1000:6.3f} ms/req {nc / n:7.1f} calls/req  {name} "
                     f"({short}:{line})")
    lines.append("```")
    lines += ["", "Statements by time spent waiting for them (ms per request, calls per request):",
              "", "```"]
    for key, t in slow:
        lines.append(f"{t / n * 1000:6.2f} ms {calls[key] / n:5.2f}×  {key}")
    lines.append("```")
    body = "\n".join(lines)
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(30)
    (_HERE / "out").mkdir(exist_ok=True)
    (_HERE / "out" / "profile_transition.txt").write_text(out.getvalue(), encoding="utf-8")
    write_section("Transitions: the hot-path profile", body)
    shares = sorted(by_group.items(), key=lambda kv: -kv[1])[:4]
    record_figures("profile_transition", {"1": {
        "cpu_ms_per_request": round(plain_cpu / n2 * 1000, 2),
        "statements_per_request": round(total_stmts, 1),
        "limit": f"In process, one client: {plain_cpu / n2 * 1000:.1f} ms of the app's CPU and "
                 f"{total_stmts:.1f} SQL statements per request; CPU by package: " + ", ".join(
                     f"{label} {tt / total * 100:.0f}%" for label, tt in shares) + "."}})
    print(body)


if __name__ == "__main__":
    main()
