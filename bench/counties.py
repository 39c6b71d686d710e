"""Eight counties on one database: is there contention across counties?

    python bench/counties.py --counties 8 --clients-per-county 1 --parcels-per-client 8

Seven more counties are added next to Shizhu (a township, a quota account and a farmland credit
each). Every client carries state-owned parcels of its own county through the whole chain of
``bench/transitions.py`` (9 requests, the approval drawing on its county's quota account and
credits). The same clients per county run first in one county, then in all counties at once;
with nothing shared across counties, 8 counties would do 8 × one county's rate if the machine
had the cores for it — on 2 cores it does not, so that ratio (the issue's) mostly measures CPU.
The same total clients all in one county (every approval on one quota account) against spread
over the counties holds clients and cores equal; and each run reports how busy the machine's
CPU was (/proc/stat) and how many backends waited on a lock (pg_stat_activity) — the direct
reading of contention, which a row shared by every county would raise whatever the CPU. Raw SQL
does the same steps with psycopg (outbox numbered by transaction id as the app does, and — the
baseline — under the old one counter row).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NamedTuple

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import psycopg  # noqa: E402

from bench.common import (  # noqa: E402
    chain_database,
    cpu_jiffies,
    machine,
    process_cpu,
    psycopg_dsn,
    record_figures,
    stamp,
    write_section,
)
from bench.transitions import STEPS, SURVEY, Client, free_port, raw_event, run_clients, wait_for  # noqa: E402

# Backends waiting on a lock, on average, below which a run is read as not contended (the
# old counter row kept about half of 8 writers waiting, one quota account about one).
NO_WAITS = 0.1
# From this share of the machine's CPU busy, a run is taken as having no cores to spare.
SATURATED = 0.8
STATES = ["surveyed", "planned", "approved", "supplied", "in_use", "in_use",
          "under_construction", "inspected", "registered"]


def add_counties(url: str, tokens: dict[str, str], n: int) -> list[dict]:
    """Shizhu and ``n - 1`` more counties: (code, township name, township id, account id)."""
    from workflow.access import Actor
    from workflow.config import Settings
    from workflow.ledgers.schemas import FarmlandCreditSchema, QuotaAccountSchema
    from workflow.ledgers.services import create_farmland_credit, create_quota_account
    from workflow.models import Account, QuotaAccount, Township
    from workflow.payloads.fields import load
    from workflow.runtime import Runtime, SystemClock

    dsn = psycopg_dsn(url)
    with psycopg.connect(dsn) as conn:
        for k in range(1, n):
            code = f"5009{k:02d}"
            conn.execute(
                "INSERT INTO counties (code, name, name_en, province, plan, plan_period_start, "
                "plan_period_end, new_construction_land_cap_km2, projected_epsg) SELECT %s, "
                "%s, %s, province, plan, plan_period_start, plan_period_end, "
                "new_construction_land_cap_km2, projected_epsg FROM counties "
                "WHERE code = '500240'", (code, f"基准县{k}", f"Bench County {k}"))
            conn.execute("INSERT INTO townships (code, name, kind, county_code) "
                         "VALUES (%s, %s, '街道', %s)", (f"{code}001", f"基准{k}街道", code))
    rt = Runtime.from_settings(Settings(database_url=url, secret_key="bench"),
                               clock=SystemClock())
    with rt.reader() as uow:
        row = uow.session.query(Account).filter_by(name="bench-admin").one()
        admin = Actor(row.id, row.name, "admin")
    counties = []
    for k in range(n):
        code = "500240" if k == 0 else f"5009{k:02d}"
        if k:
            create_quota_account(rt.uow(), admin, load(QuotaAccountSchema, {
                "county_code": code, "year": 2026, "allocated_m2": "100000000"}))
            create_farmland_credit(rt.uow(), admin, load(FarmlandCreditSchema, {
                "county_code": code, "source": "consolidation", "project_no": f"bench-{code}",
                "area_m2": "100000000", "paddy_m2": "0", "grade": 1,
                "accepted_on": "2025-01-01"}))
        with rt.reader() as uow:
            t = uow.session.query(Township).filter_by(county_code=code).order_by(
                Township.id).first()
            acct = uow.session.query(QuotaAccount).filter_by(county_code=code).one()
            counties.append({"code": code, "township": t.name, "township_id": t.id,
                             "account": acct.id})
    rt.engine.dispose()
    return counties


def run_http(port: int, tokens: dict[str, str], counties: list[dict], per_county: int,
             parcels: int, prefix: str) -> tuple[float, int]:
    failures: list[str] = []
    done = [0]
    lock = threading.Lock()
    clients = len(counties) * per_county
    barrier = threading.Barrier(clients + 1)

    def work(c: int) -> None:
        county = counties[c // per_county]
        clerk, approver = Client(port, tokens["clerk"]), Client(port, tokens["approver"])
        barrier.wait()
        n = 0
        for i in range(parcels):
            tag = f"{prefix}-{c}-{i}"
            status, body, _ = clerk.post("/api/v1/parcels", {
                **SURVEY, "code": tag, "township": county["township"]})
            if status != 201:
                failures.append(f"survey {status} {body.get('code')}")
                continue
            n += 1
            pid = body["parcel"]["id"]
            for suffix, template in STEPS:
                payload = json.loads(json.dumps(template).replace("{n}", tag))
                who = approver if suffix.endswith("approve") else clerk
                status, body, _ = who.post(f"/api/v1/parcels/{pid}/{suffix}", payload)
                if status not in (200, 201):
                    failures.append(f"{suffix} {status} {body.get('code')}")
                    break
                n += 1
        with lock:
            done[0] += n

    elapsed = run_clients(work, clients, barrier)
    if failures:
        raise SystemExit(f"{len(failures)} failures, e.g. {failures[:3]}")
    return elapsed, done[0]


def run_raw(dsn: str, counties: list[dict], per_county: int, parcels: int, counter: bool,
            prefix: str) -> tuple[float, int]:
    done = [0]
    lock = threading.Lock()
    clients = len(counties) * per_county
    barrier = threading.Barrier(clients + 1)

    def work(c: int) -> None:
        county = counties[c // per_county]
        conn = psycopg.connect(dsn)
        barrier.wait()
        n = 0
        for i in range(parcels):
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    "INSERT INTO parcels (code, county_code, township_id, ownership, state, "
                    "version, surveyed_on, last_effective_date, farmland_m2, paddy_m2, "
                    "other_agricultural_m2, unused_m2, construction_m2, total_m2, "
                    "basic_farmland_m2, red_line_m2, in_development_boundary, created_at, "
                    "updated_at) VALUES (%s, %s, %s, 'state', 'surveyed', 1, current_date, "
                    "current_date, 2000, 0, 1000, 500, 1500, 5000, 0, 0, true, now(), now()) "
                    "RETURNING id", (f"{prefix}-{c}-{i}", county["code"], county["township_id"]))
                pid = cur.fetchone()[0]
                raw_event(cur, pid, "survey", None, "surveyed", counter)
            n += 1
            for k, (suffix, _) in enumerate(STEPS):
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute("SELECT state, version FROM parcels WHERE id = %s FOR UPDATE",
                                (pid,))
                    cur.fetchone()
                    name = suffix.split("/")[-1]
                    if name == "approve":
                        cur.execute("SELECT balance_m2 FROM quota_accounts WHERE id = %s "
                                    "FOR UPDATE", (county["account"],))
                        cur.execute("UPDATE quota_accounts SET balance_m2 = balance_m2 - 3500 "
                                    "WHERE id = %s RETURNING balance_m2", (county["account"],))
                        bal = cur.fetchone()[0]
                        cur.execute("INSERT INTO quota_entries (account_id, kind, amount_m2, "
                                    "balance_after_m2, parcel_id, effective_date, created_at) "
                                    "VALUES (%s, 'deduct', -3500, %s, %s, current_date, now())",
                                    (county["account"], bal, pid))
                    cur.execute("UPDATE parcels SET state = %s, version = version + 1, "
                                "updated_at = now() WHERE id = %s", (STATES[k + 1], pid))
                    raw_event(cur, pid, name, STATES[k], STATES[k + 1], counter)
                n += 1
        conn.close()
        with lock:
            done[0] += n

    return run_clients(work, clients, barrier), done[0]


class Run(NamedTuple):
    elapsed: float
    steps: int
    busy: float  # share of the whole machine's CPU time that was busy during the run
    waiting: float  # backends of the bench database waiting on a lock, on average

    @property
    def rate(self) -> float:
        return self.steps / self.elapsed


def summed(a: Run, b: Run) -> Run:
    elapsed = a.elapsed + b.elapsed

    def mean(x: float, y: float) -> float:
        return (x * a.elapsed + y * b.elapsed) / elapsed

    return Run(elapsed, a.steps + b.steps, mean(a.busy, b.busy), mean(a.waiting, b.waiting))


class LockWaits:
    """Samples pg_stat_activity while a run goes on: how many of the database's backends wait
    on a heavyweight lock (a row, a transaction id — what a hot row makes writers do). Unlike
    throughput this does not depend on how many cores the run got, so it shows contention on
    a machine the run shares."""

    def __init__(self, dsn: str, every: float = 0.01) -> None:
        self.dsn, self.every = dsn, every
        self.samples: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample)

    def sample(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                self.samples.append(conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'").fetchone()[0])
                self.stop.wait(self.every)

    def __enter__(self) -> LockWaits:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def mean(self) -> float:
        return sum(self.samples) / max(1, len(self.samples))


def measured(dsn: str, go: Callable[[], tuple[float, int]]) -> Run:
    busy0, total0 = cpu_jiffies()
    with LockWaits(dsn) as waits:
        elapsed, steps = go()
    busy1, total1 = cpu_jiffies()
    return Run(elapsed, steps, (busy1 - busy0) / max(1, total1 - total0), waits.mean)


def abba(dsn: str, full: Callable[[str], tuple[float, int]],
         spread: Callable[[str], tuple[float, int]]) -> tuple[Run, Run]:
    """One county's clients and the spread ones, run full, spread, spread, full and each pair
    summed: the machine is shared, and a load that rises or falls during the four runs then
    weighs on both alike instead of on whichever ran second."""
    f1, s1, s2, f2 = (measured(dsn, partial(go, tag)) for go, tag in
                      ((full, "1"), (spread, "1"), (spread, "2"), (full, "2")))
    return summed(f1, f2), summed(s1, s2)


def reading(spread_waiting: float, one_county_busy: float, n: int = 8) -> str:
    """What limits the 8-county ratio, from the lock waits of the spread runs (the more of
    HTTP and raw SQL) and how busy the CPU was while one county ran alone: ``n`` counties need
    about ``n`` × that share of the machine, and more than the whole of it is out of reach."""
    if spread_waiting >= NO_WAITS:
        return (f"Writers in different counties still waited on locks ({spread_waiting:.2f} "
                "backends on average): something is shared across counties")
    need = n * one_county_busy
    if need >= SATURATED:
        return ("The cores, not the counties: no writer waited on a lock across counties, but "
                f"one county's run alone kept the cores {one_county_busy:.0%} busy (its run and "
                f"whatever else the machine did), so {n} counties at once would need about "
                f"{need:.1f} × this machine: the cores allow a ratio of about "
                f"{min(1.0, 1 / need):.2f}")
    return ("No writer waited on a lock across counties, and the cores had room for "
            f"{n} × one county's run: the shortfall is neither the counties nor the cores")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, default=8)
    ap.add_argument("--clients-per-county", type=int, default=1)
    ap.add_argument("--parcels-per-client", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--database", default="landflow_bench_counties")
    args = ap.parse_args()
    url, tokens, _township, _account = chain_database(args.database, "bench", "100000000")
    counties = add_counties(url, tokens, args.counties)
    dsn = psycopg_dsn(url)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, LANDFLOW_SECRET_KEY="bench",
               LANDFLOW_DB_POOL_SIZE="4")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen([gunicorn, "--bind", f"127.0.0.1:{port}", "--workers",
                               str(args.workers), "--log-level", "warning", "wsgi:app"],
                              env=env, cwd=_HERE.parent)
    n, per, k = args.counties, args.clients_per_county, args.parcels_per_client
    shizhu = counties[:1]
    # Each kind of run three ways: one county with its clients; the same county with all n
    # counties' clients (every approval on one quota account); those clients spread, `per` in
    # each county. The last two differ only in where the clients' parcels lie.
    try:
        wait_for(port)
        run_http(port, tokens, counties[:2], 1, 1, "WARM")
        cpu0 = process_cpu(server.pid, parent=True)
        one_app = measured(dsn, lambda: run_http(port, tokens, shizhu, per, k, "A1"))
        cpu1 = process_cpu(server.pid, parent=True)
        full_app, all_app = abba(
            dsn, lambda tag: run_http(port, tokens, shizhu, n * per, k, "AN" + tag),
            lambda tag: run_http(port, tokens, counties, per, k, "A8" + tag))
        cpu2 = process_cpu(server.pid, parent=True)
    finally:
        server.terminate()
        server.wait(20)
    one_raw = measured(dsn, lambda: run_raw(dsn, shizhu, per, k, False, "R1"))
    full_raw, all_raw = abba(
        dsn, lambda tag: run_raw(dsn, shizhu, n * per, k, False, "RN" + tag),
        lambda tag: run_raw(dsn, counties, per, k, False, "R8" + tag))
    one_old = measured(dsn, lambda: run_raw(dsn, shizhu, per, k, True, "C1"))
    full_old, all_old = abba(
        dsn, lambda tag: run_raw(dsn, shizhu, n * per, k, True, "CN" + tag),
        lambda tag: run_raw(dsn, counties, per, k, True, "C8" + tag))
    cores = os.cpu_count()

    def cell(r: Run) -> str:
        return f"{r.rate:,.0f} ({r.busy:.0%}, {r.waiting:.2f})"

    rows = [("app over HTTP (gunicorn, 4 workers)", one_app, full_app, all_app),
            ("raw SQL, outbox by transaction id", one_raw, full_raw, all_raw),
            ("raw SQL, outbox under one counter row (before)", one_old, full_old, all_old)]
    lines = [
        f"Run {stamp()} on {machine()}. The {cores} cores were shared with other work during "
        "the run: the ratios compare runs made seconds apart in one process.", "",
        f"{per} client(s) per county, each carrying {k} state-owned parcels through the 9 "
        "requests of the chain; every county approves from its own quota account and "
        f"credits. Three runs of each kind: one county alone ({per} client(s)); the same "
        f"county with {n * per} clients (all {n} counties' clients, every approval on its one "
        f"quota account); and {n} counties at once ({per} client(s) in each, {n * per} in "
        "all; these two alternate — full, spread, spread, full — each pair summed, so that a "
        "load changing on the shared machine weighs on both alike). Each cell: steps/s, and "
        "in brackets how busy the whole machine's CPU was during the run (/proc/stat; "
        "everything on the machine counts) and how many of the database's backends waited "
        "on a lock, on average (pg_stat_activity sampled every 10 ms).", "",
        f"| | 1 county, {per} client(s) | 1 county, {n * per} clients | {n} counties, "
        f"{n * per} clients | {n} counties / ({n} × 1 county) | {n} counties / 1 county "
        f"at {n * per} clients |", "|---|---|---|---|---|---|"]
    for label, one, full, every in rows:
        lines.append(f"| {label} | {cell(one)} | {cell(full)} | {cell(every)} | "
                     f"**{every.rate / (n * one.rate):.2f}** | "
                     f"**{every.rate / full.rate:.2f}** |")
    one_ms = (cpu1 - cpu0) / one_app.steps * 1000
    # The one-county and spread runs alternate, so the app's CPU is read over the four together.
    many_ms = (cpu2 - cpu1) / (full_app.steps + all_app.steps) * 1000
    many_cores = (cpu2 - cpu1) / (full_app.elapsed + all_app.elapsed)
    app, raw, old = (every.rate / (n * one.rate) for _, one, _, every in rows)
    app_s, raw_s, old_s = (every.rate / full.rate for _, _, full, every in rows)
    lines += ["", f"The app's own CPU (gunicorn master and workers, from /proc): {one_ms:.1f} ms "
              f"per step with one county and {per} client(s), {many_ms:.1f} ms with "
              f"{n * per} clients (one county and {n} counties, read over their four runs "
              f"together); at {n * per} clients the app alone kept {many_cores:.2f} of the "
              f"machine's {cores} cores busy (PostgreSQL, the clients and the other work on the "
              "machine share the rest).", "",
              f"Target ≥ 0.8 for the first ratio. {n} × the clients cannot do {n} × the work "
              f"on {cores} shared cores once one county's run keeps them busy (the CPU share "
              "in brackets): that ratio measures the cores as much as the counties. The last "
              f"ratio holds the clients and the cores equal and moves only the parcels, from "
              f"one county to {n}; but a row shared by every county slows both runs alike, and "
              "the old counter row shows it: its ratio stays near 1 while about half the "
              "writers wait on it in both. The lock waits are the direct reading: spread over "
              "counties, a writer that waits on a lock waits on another county's work. With "
              "the outbox numbered by transaction id no row is shared across counties (the "
              "counter was the last); the waits left in one county are its quota account, "
              "which every approval there locks, and they go when the clients spread."]
    spread_waiting = max(all_app.waiting, all_raw.waiting)
    verdict = reading(spread_waiting, one_app.busy, n)
    lines += ["", f"This run: {verdict[0].lower() + verdict[1:]}. Spread / one county at "
              f"{n * per} clients: {app_s:.2f} over HTTP, {raw_s:.2f} in raw SQL, "
              f"{old_s:.2f} under the counter row."]
    body = "\n".join(lines)
    write_section(f"Counties: {n} at once on one database", body)
    kinds = ("http", "raw", "raw_counter_row")
    record_figures("counties", {"6": {
        "value": round(min(app, raw), 3), "scale": n,
        "figure": f"{n} counties at once: over HTTP {all_app.rate:,.0f} steps/s, raw SQL "
                  f"(outbox by transaction id) {all_raw.rate:,.0f}",
        "baseline": f"{n} × one county alone: over HTTP {n * one_app.rate:,.0f}, raw SQL "
                    f"{n * one_raw.rate:,.0f}; the same {n * per} clients all in one county: "
                    f"over HTTP {full_app.rate:,.0f}, raw SQL {full_raw.rate:,.0f}; raw SQL "
                    f"under the old counter row: ratio {old:.2f}",
        "ratio": f"{n} counties / ({n} × 1 county): over HTTP {app:.2f}, raw SQL {raw:.2f}; "
                 f"{n} counties / 1 county at {n * per} clients: over HTTP {app_s:.2f}, raw "
                 f"SQL {raw_s:.2f}",
        "limit": f"{verdict}. At the same {n * per} clients, spread over {n} counties / all in "
                 f"one: {app_s:.2f} over HTTP, {raw_s:.2f} in raw SQL ({old_s:.2f} under the "
                 f"old counter row, a row every county shares, so equal clients alone cannot "
                 f"show it); backends waiting on a lock, spread: {all_app.waiting:.2f} over "
                 f"HTTP, {all_raw.waiting:.2f} in raw SQL ({all_old.waiting:.2f} under the "
                 f"counter row; in one county {full_app.waiting:.2f} and "
                 f"{full_raw.waiting:.2f}, its quota account). The machine's {cores} cores "
                 f"(shared with other work) were {one_app.busy:.0%} busy during one county's "
                 f"run over HTTP ({one_raw.busy:.0%} in raw SQL) and {all_app.busy:.0%} "
                 f"({all_raw.busy:.0%}) during {n} counties'. The app's own CPU: "
                 f"{one_ms:.1f} ms per step with one county, {many_ms:.1f} ms at {n * per} "
                 "clients.",
        "spread_vs_one_county": {**{kind: round(every.rate / full.rate, 3) for kind, (
            _, _, full, every) in zip(kinds, rows, strict=True)}, "clients": n * per},
        "machine_cpu_busy": {kind: {"one_county": round(one.busy, 3),
                                    "one_county_all_clients": round(full.busy, 3),
                                    "all_counties": round(every.busy, 3)}
                             for kind, (_, one, full, every) in zip(kinds, rows, strict=True)},
        "lock_waiting_backends": {kind: {"one_county": round(one.waiting, 3),
                                         "one_county_all_clients": round(full.waiting, 3),
                                         "all_counties": round(every.waiting, 3)}
                                  for kind, (_, one, full, every) in zip(kinds, rows,
                                                                         strict=True)}}})
    print(body)


if __name__ == "__main__":
    main()
