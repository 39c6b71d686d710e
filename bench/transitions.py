"""Transitions over HTTP against gunicorn on PostgreSQL, and the database's own limit.

    python bench/transitions.py --clients 8 --parcels-per-client 12

Each client carries its own state-owned parcels through the chain over HTTP — survey, plan,
approve (all approvals draw on one quota account, as in a real county), supply, hand_over,
start_construction, inspect, a payment record, register — and the run reports transitions/s and
p50/p95/p99 latency. In the same run, the same number of clients execute the equivalent SQL of
each step directly with psycopg (lock the parcel, lock the quota account for an approval, update,
read the chain's tail, insert the audit event, take the outbox number, insert the outbox event,
commit): the ratio app/raw says how close the application comes to the database's limit.
Then the stack floor (bench/floor_app.py: plain Flask under the same gunicorn settings running
just those statements per request, with psycopg and with SQLAlchemy Core) takes the same
requests from the same clients: floor/raw is what HTTP, Flask, gunicorn and the Python clients
leave of the database's limit to any app on this machine, app/floor what Landflow's own work
costs. Each run also reports the CPU ms per request of its clients, its server and its
PostgreSQL backends, which the shared machine's load disturbs far less than the rates.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

# This file is named like the `transitions` library the app uses: take its own folder off the
# import path (Python puts it first) so that `import transitions` finds the library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import psycopg  # noqa: E402

from bench.common import (  # noqa: E402
    chain_database,
    machine,
    percentiles,
    process_cpu,
    psycopg_dsn,
    record_figures,
    stamp,
    write_section,
)

STEPS = [  # (path suffix, body) — a lawful 2026 timeline for state-owned land
    ("transitions/plan", {"effective_date": "2026-01-10", "planned_use": "industrial",
                          "planning_conditions": {"plot_ratio_max": "2.0",
                                                  "building_density_max": "40",
                                                  "green_ratio_min": "20",
                                                  "height_max_m": "24"}}),
    ("transitions/approve", {"effective_date": "2026-02-02", "approval_no": "渝府地〔2026〕{n}号"}),
    ("transitions/supply", {"effective_date": "2026-03-02", "method": "listing",
                            "price_yuan": "3000000.00", "term_years": 50,
                            "signed_on": "2026-03-02", "agreed_start_date": "2026-04-01",
                            "agreed_completion_date": "2028-04-01", "land_user": "某公司"}),
    ("transitions/hand_over", {"effective_date": "2026-03-10"}),
    ("records", {"kind": "payment", "date": "2026-03-15",
                 "details": {"amount_yuan": "3000000.00"}}),
    ("transitions/start_construction", {"effective_date": "2026-04-05", "permit_no": "P-{n}"}),
    ("transitions/inspect", {"effective_date": "2026-10-09", "actual_area_m2": "5000.00",
                             "within_approved_boundary": True, "planning_verified": True}),
    ("transitions/register", {"effective_date": "2026-10-20"}),
]
SURVEY = {"effective_date": "2026-01-05", "township": "南宾街道", "ownership": "state",
          "land": {"farmland_m2": "2000.00", "paddy_m2": "0.00", "farmland_grade": 6,
                   "other_agricultural_m2": "1000.00", "unused_m2": "500.00",
                   "construction_m2": "1500.00"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict) -> tuple[int, dict, float]:
        data = json.dumps(body, ensure_ascii=False).encode()
        t0 = time.perf_counter()
        self.conn.request("POST", path, body=data, headers=self.headers)
        r = self.conn.getresponse()
        payload = r.read()
        ms = (time.perf_counter() - t0) * 1000
        return r.status, json.loads(payload), ms


def run_clients(work: Callable[[int], None], clients: int, barrier: threading.Barrier
                ) -> float:
    """Start one thread per client, release them together, and time until the last is done."""
    threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def run_http(port: int, tokens: dict[str, str], clients: int, per_client: int,
             prefix: str = "TX") -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def work(c: int) -> None:
        clerk = Client(port, tokens["clerk"])
        approver = Client(port, tokens["approver"])
        barrier.wait()
        for i in range(per_client):
            n = c * 10_000 + i
            status, body, ms = clerk.post("/api/v1/parcels", {**SURVEY, "code": f"{prefix}-{n}"})
            mine = [ms]
            if status != 201:
                failures.append(f"survey {status} {body}")
                continue
            pid = body["parcel"]["id"]
            for suffix, template in STEPS:
                payload = json.loads(json.dumps(template).replace("{n}", str(n)))
                who = approver if suffix.endswith("approve") else clerk
                status, body, ms = who.post(f"/api/v1/parcels/{pid}/{suffix}", payload)
                mine.append(ms)
                if status not in (200, 201):
                    failures.append(f"{suffix} {status} {body.get('code')} "
                                    f"{body.get('violations') or body.get('errors')}")
                    break
            with lock:
                latencies.extend(mine)

    elapsed = run_clients(work, clients, barrier)
    if failures:
        raise SystemExit(f"{len(failures)} failures, e.g. {failures[:3]}")
    return elapsed, latencies, len(latencies)


def outbox(cur, type_: str, pid: int, eid: int, counter: bool) -> None:
    """The outbox row as the app numbers it: by transaction id
    (``workflow.models.outbox``), or — the baseline of before — under the one counter row's
    lock."""
    if counter:
        cur.execute("UPDATE outbox_counter SET last_seq = last_seq + 1 WHERE id = 1 "
                    "RETURNING last_seq")
        cur.execute("INSERT INTO outbox_events (seq, type, parcel_id, audit_event_id, "
                    "occurred_at, data) VALUES (%s, %s, %s, %s, now(), '{}')",
                    (cur.fetchone()[0], type_, pid, eid))
        return
    cur.execute("INSERT INTO outbox_events (seq, type, parcel_id, audit_event_id, occurred_at, "
                "data) SELECT (pg_current_xact_id()::text::bigint << 20), %s, %s, %s, now(), "
                "'{}'", (type_, pid, eid))


def raw_event(cur, pid: int, name: str, frm: str | None, to: str, counter: bool) -> int:
    cur.execute("SELECT stream_seq, hash FROM audit_events WHERE stream = %s "
                "ORDER BY stream_seq DESC LIMIT 1", (f"parcel:{pid}",))
    last = cur.fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, None)
    body = json.dumps({"stream": f"parcel:{pid}", "seq": seq, "name": name, "to": to},
                      sort_keys=True)
    digest = hashlib.sha256(((prev or "0" * 64) + body).encode()).hexdigest()
    cur.execute("INSERT INTO audit_events (stream, stream_seq, parcel_id, kind, name, "
                "from_state, to_state, actor, role, recorded_at, effective_date, payload, "
                "rule_results, prev_hash, hash) VALUES (%s, %s, %s, 'transition', %s, %s, "
                "%s, 'raw', 'clerk', now(), current_date, '{}', '[]', %s, %s) RETURNING id",
                (f"parcel:{pid}", seq, pid, name, frm, to, prev, digest))
    eid = cur.fetchone()[0]
    outbox(cur, f"transition.{name}", pid, eid, counter)
    return eid


def raw_survey(cur, code: str, township_id: int) -> int:
    cur.execute("INSERT INTO parcels (code, county_code, township_id, ownership, "
                "state, version, surveyed_on, last_effective_date, farmland_m2, "
                "paddy_m2, other_agricultural_m2, unused_m2, construction_m2, "
                "total_m2, basic_farmland_m2, red_line_m2, in_development_boundary, "
                "created_at, updated_at) VALUES (%s, '500240', %s, 'state', "
                "'surveyed', 1, current_date, current_date, 2000, 0, 1000, 500, "
                "1500, 5000, 0, 0, true, now(), now()) RETURNING id",
                (code, township_id))
    return cur.fetchone()[0]


# The parcel's state after each step of STEPS (the payment record leaves it in use), and before
# the first: what the raw SQL writes, and what the floor app (bench/floor_app.py) writes.
RAW_STATES = ["surveyed", "planned", "approved", "supplied", "in_use", "in_use",
              "under_construction", "inspected", "registered"]
STEP_TARGETS = {suffix.split("/")[-1]: RAW_STATES[k + 1] for k, (suffix, _) in enumerate(STEPS)}


def raw_step(cur, pid: int, name: str, account_id: int, counter: bool = False) -> str:
    """One step of STEPS after the survey as the statements it needs at least: lock the parcel,
    draw on the quota account for an approval, update, then the audit and outbox events.
    Returns the state the parcel moved to."""
    to = STEP_TARGETS[name]
    cur.execute("SELECT state, version FROM parcels WHERE id = %s FOR UPDATE", (pid,))
    frm = cur.fetchone()[0]
    if name == "approve":
        cur.execute("SELECT balance_m2 FROM quota_accounts WHERE id = %s FOR UPDATE",
                    (account_id,))
        cur.fetchone()
        cur.execute("UPDATE quota_accounts SET balance_m2 = balance_m2 - 3500 "
                    "WHERE id = %s RETURNING balance_m2", (account_id,))
        bal = cur.fetchone()[0]
        cur.execute("INSERT INTO quota_entries (account_id, kind, amount_m2, "
                    "balance_after_m2, parcel_id, effective_date, created_at) "
                    "VALUES (%s, 'deduct', -3500, %s, %s, current_date, now())",
                    (account_id, bal, pid))
    cur.execute("UPDATE parcels SET state = %s, version = version + 1, "
                "updated_at = now() WHERE id = %s", (to, pid))
    raw_event(cur, pid, name, frm, to, counter)
    return to


def run_raw(dsn: str, clients: int, per_client: int, account_id: int, township_id: int,
            counter: bool = False, prefix: str = "RAW", backend_cpu: list[float] | None = None
            ) -> tuple[float, list[float], int]:
    """The same steps as SQL: per step one transaction doing what the step must do at least.
    With ``backend_cpu``, each client adds the CPU seconds its PostgreSQL backend spent."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def work(c: int) -> None:
        conn = psycopg.connect(dsn)
        start = process_cpu(conn.info.backend_pid)
        barrier.wait()
        mine = []
        for i in range(per_client):
            t0 = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                pid = raw_survey(cur, f"{prefix}-{c}-{i}", township_id)
                raw_event(cur, pid, "survey", None, "surveyed", counter)
            mine.append((time.perf_counter() - t0) * 1000)
            for suffix, _ in STEPS:
                t0 = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    raw_step(cur, pid, suffix.split("/")[-1], account_id, counter)
                mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)
            if backend_cpu is not None:
                backend_cpu.append(process_cpu(conn.info.backend_pid) - start)
        conn.close()

    return run_clients(work, clients, barrier), latencies, len(latencies)


FLOOR_DRIVERS = {"psycopg": "psycopg", "core": "SQLAlchemy Core"}

INDEPENDENT = [("transitions/plan", STEPS[0][1]),
               ("transitions/reject", {"effective_date": "2026-02-02",
                                       "reason": "不符合国土空间规划"})]


def run_http_independent(port: int, tokens: dict[str, str], clients: int, per_client: int,
                         prefix: str) -> tuple[float, list[float], int]:
    """survey, plan, reject: steps on each client's own parcels that share no ledger row."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def work(c: int) -> None:
        clerk, approver = Client(port, tokens["clerk"]), Client(port, tokens["approver"])
        barrier.wait()
        mine = []
        for i in range(per_client):
            status, body, ms = clerk.post("/api/v1/parcels",
                                          {**SURVEY, "code": f"{prefix}-{c}-{i}"})
            mine.append(ms)
            if status != 201:
                failures.append(f"survey {status}")
                continue
            pid = body["parcel"]["id"]
            for suffix, payload in INDEPENDENT:
                who = approver if suffix.endswith("reject") else clerk
                status, body, ms = who.post(f"/api/v1/parcels/{pid}/{suffix}", payload)
                mine.append(ms)
                if status != 200:
                    failures.append(f"{suffix} {status} {body.get('code')}")
                    break
        with lock:
            latencies.extend(mine)

    elapsed = run_clients(work, clients, barrier)
    if failures:
        raise SystemExit(f"{len(failures)} failures, e.g. {failures[:3]}")
    return elapsed, latencies, len(latencies)


def run_raw_independent(dsn: str, clients: int, per_client: int, township_id: int,
                        counter: bool, prefix: str) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def work(c: int) -> None:
        conn = psycopg.connect(dsn)
        barrier.wait()
        mine = []
        for i in range(per_client):
            t0 = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                pid = raw_survey(cur, f"{prefix}-{c}-{i}", township_id)
                raw_event(cur, pid, "survey", None, "surveyed", counter)
            mine.append((time.perf_counter() - t0) * 1000)
            for frm, to, name in (("surveyed", "planned", "plan"),
                                  ("planned", "rejected", "reject")):
                t0 = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute("SELECT state, version FROM parcels WHERE id = %s FOR UPDATE",
                                (pid,))
                    cur.fetchone()
                    cur.execute("UPDATE parcels SET state = %s, version = version + 1, "
                                "updated_at = now() WHERE id = %s", (to, pid))
                    raw_event(cur, pid, name, frm, to, counter)
                mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)
        conn.close()

    return run_clients(work, clients, barrier), latencies, len(latencies)


def wait_for(port: int) -> None:
    for _ in range(150):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on port {port} did not come up")


def row(label: str, n: int, s: float, lat: list[float], cpu: Cpu | None = None) -> str:
    p = percentiles(lat)
    line = (f"| {label} | {n} | {s:.1f} | {n / s:,.0f} | {p[0]:.1f} | {p[1]:.1f} | "
            f"{p[2]:.1f} |")
    if cpu is not None:
        line += (f" {cpu[0]:.1f} | " + (f"{cpu[1]:.1f}" if cpu[1] is not None else "—")
                 + f" | {cpu[2]:.1f} | {cpu_total(cpu):.1f} |")
    return line


# CPU time, unlike the rates, hardly depends on what else the shared machine runs: per request,
# (clients', gunicorn server's or None, PostgreSQL backends') CPU ms.
Cpu = tuple[float, float | None, float]


def backends_cpu(dsn: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the bench database (the
    servers' connections; PostgreSQL runs on this machine)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")]
    return {p: process_cpu(p) for p in pids}


def with_cpu(dsn: str, server: subprocess.Popen | None, run: Callable[..., tuple],
             *args: object, **kwargs: object) -> tuple[tuple, Cpu]:
    """The run, and the CPU ms per request that its clients (this process), the server and
    the database's backends spent (a backend that came and went during the run is counted
    only if the run reports it in ``backend_cpu``, as run_raw does)."""
    gone: list[float] = []
    if run is run_raw:
        kwargs["backend_cpu"] = gone
    b0, c0 = backends_cpu(dsn), time.process_time()
    s0 = process_cpu(server.pid, parent=True) if server else 0.0
    result = run(*args, **kwargs)
    client = time.process_time() - c0
    srv = process_cpu(server.pid, parent=True) - s0 if server else None
    pg = sum(v - b0.get(p, 0.0) for p, v in backends_cpu(dsn).items()) + sum(gone)
    n = result[2]
    return result, (client * 1000 / n, srv * 1000 / n if srv is not None else None,
                    pg * 1000 / n)


def cpu_total(c: Cpu) -> float:
    return c[0] + (c[1] or 0.0) + c[2]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", default="4,8", help="client counts of the chain run")
    ap.add_argument("--parcels-per-client", type=int, default=12)
    ap.add_argument("--scaling", default="1,2,4,8",
                    help="client counts of the independent-steps run ('' to skip)")
    ap.add_argument("--independent-per-client", type=int, default=24)
    ap.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    ap.add_argument("--database", default="landflow_bench_tx")
    ap.add_argument("--floor", default="psycopg,core",
                    help="drivers of the stack floor (bench/floor_app.py) run after the app and "
                         "the raw SQL at each client count: psycopg, core ('' to skip)")
    ap.add_argument("--before", default=None, metavar="CHECKOUT",
                    help="also run the chain against the app of another checkout (with its own "
                         ".venv), e.g. the main branch, as the baseline of the app itself")
    args = ap.parse_args()
    if set(args.floor.split(",")) - {"", *FLOOR_DRIVERS}:
        ap.error(f"--floor takes {', '.join(FLOOR_DRIVERS)}")
    url, tokens, township_id, account = chain_database(args.database, "bench", "100000000")
    dsn = psycopg_dsn(url)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, LANDFLOW_SECRET_KEY="bench",
               LANDFLOW_DB_POOL_SIZE="4")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    root = Path(__file__).resolve().parent.parent

    def serve(at: int, target: str, env: dict[str, str]) -> subprocess.Popen:
        # From the checkout's root, so every server reads the same gunicorn.conf.py.
        return subprocess.Popen([gunicorn, "--bind", f"127.0.0.1:{at}", "--workers",
                                 str(args.workers), "--log-level", "warning", target],
                                env=env, cwd=root)

    server = serve(port, "wsgi:app", env)
    drivers = [d for d in args.floor.split(",") if d]
    floors = {d: free_port() for d in drivers}
    floor_servers = [serve(at, "bench.floor_app:app", dict(
        os.environ, FLOOR_DRIVER=d, FLOOR_DATABASE_URL=url, FLOOR_TOWNSHIP_ID=str(township_id),
        FLOOR_QUOTA_ACCOUNT_ID=str(account))) for d, at in floors.items()]
    before: list[tuple[int, tuple]] = []
    if args.before:
        # The other checkout's own schema, seed and users: its code, its migrations.
        made = subprocess.run(
            [str(Path(args.before) / ".venv" / "bin" / "python"), "-c",
             "import json; from bench.common import chain_database; print(json.dumps("
             f"chain_database({args.database + '_before'!r}, 'bench', '100000000')))"],
            cwd=args.before, capture_output=True, text=True, check=True)
        b_url, b_tokens, _, _ = json.loads(made.stdout.strip().splitlines()[-1])
        b_port = free_port()
        b_server = subprocess.Popen(
            [str(Path(args.before) / ".venv" / "bin" / "gunicorn"), "--bind",
             f"127.0.0.1:{b_port}", "--workers", str(args.workers), "--log-level", "warning",
             "wsgi:app"], env=dict(env, DATABASE_URL=b_url), cwd=args.before)
    chain: list[tuple[int, tuple, tuple]] = []
    floor: dict[str, list[tuple]] = {d: [] for d in drivers}
    cpu: dict[tuple[str, int], Cpu] = {}  # by (run, clients)
    scaling: list[tuple[int, tuple, tuple, tuple]] = []
    try:
        # Warm-up: connections, lazy imports, statement caches. As many clients as workers, two
        # parcels each, so that every worker most likely served some requests before timing.
        wait_for(port)
        run_http(port, tokens, args.workers, 2, prefix="WARM")
        if args.before:
            wait_for(b_port)
            run_http(b_port, b_tokens, args.workers, 2, prefix="WARM")
        for d, at in floors.items():
            wait_for(at)
            run_http(at, tokens, args.workers, 2, prefix=f"WARM-{d}")
        # The app and the raw SQL back to back at each client count (the server idles while
        # the raw clients run): the ratio compares runs a few seconds apart.
        for clients in [int(x) for x in args.clients.split(",") if x]:
            app, cpu["app", clients] = with_cpu(dsn, server, run_http, port, tokens, clients,
                                                args.parcels_per_client, prefix=f"TX{clients}")
            raw, cpu["raw", clients] = with_cpu(dsn, None, run_raw, dsn, clients,
                                                args.parcels_per_client, account, township_id,
                                                prefix=f"RAW{clients}")
            chain.append((clients, app, raw))
            for (d, at), fs in zip(floors.items(), floor_servers, strict=True):
                run, cpu[d, clients] = with_cpu(dsn, fs, run_http, at, tokens, clients,
                                                args.parcels_per_client,
                                                prefix=f"FLOOR-{d}{clients}")
                floor[d].append(run)
            if args.before:
                before.append((clients, run_http(b_port, b_tokens, clients,
                                                 args.parcels_per_client, prefix=f"B{clients}")))
        for clients in [int(x) for x in args.scaling.split(",") if x]:
            k = args.independent_per_client
            app = run_http_independent(port, tokens, clients, k, prefix=f"IND{clients}")
            raw = run_raw_independent(dsn, clients, k, township_id, False, f"RX{clients}")
            old = run_raw_independent(dsn, clients, k, township_id, True, f"RC{clients}")
            scaling.append((clients, app, raw, old))
    finally:
        for s in [server, *floor_servers]:
            s.terminate()
            s.wait(20)
        if args.before:
            b_server.terminate()
            b_server.wait(20)
    lines = [
        f"Run {stamp()} on {machine()}. The machine has 2 cores, shared during the run with "
        "other work (load average above 2): absolute figures are noisy, the ratios compare "
        "runs made seconds apart in one process.", "",
        f"Chain: each client carries {args.parcels_per_client} state-owned parcels through 9 "
        "requests (survey, plan, approve, supply, hand_over, a payment record, "
        "start_construction, inspect, register); all approvals draw on one quota account. "
        f"gunicorn with {args.workers} sync workers, client and server on the same machine. "
        "Raw SQL = the same steps as the statements they need at least (lock, update, chain "
        "tail, audit insert, outbox insert numbered by transaction id, commit) with psycopg.",
        "CPU ms per request: what the clients (this process's threads), the gunicorn server "
        "(master and workers) and the PostgreSQL backends of the bench database used "
        "(PostgreSQL's background writers not counted).",
        "", "| clients | | requests | seconds | per second | p50 ms | p95 ms | p99 ms "
        "| client CPU ms/req | server CPU ms/req | PostgreSQL CPU ms/req | CPU ms/req |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for k, (clients, (a_s, a_lat, a_n), (r_s, r_lat, r_n)) in enumerate(chain):
        lines.append(row(f"{clients} | app over HTTP", a_n, a_s, a_lat, cpu["app", clients]))
        lines.append(row(f"{clients} | raw SQL", r_n, r_s, r_lat, cpu["raw", clients]))
        for d, runs in floor.items():
            f_s, f_lat, f_n = runs[k]
            lines.append(row(f"{clients} | floor ({FLOOR_DRIVERS[d]}) over HTTP", f_n, f_s,
                             f_lat, cpu[d, clients]))
    lines.append("")
    for clients, (a_s, _, a_n), (r_s, _, r_n) in chain:
        lines.append(f"**{clients} clients: ratio app/raw = {(a_n / a_s) / (r_n / r_s):.2f}** "
                     "(target ≥ 0.5).  ")
    if floor:
        lines += ["", "Stack floor (`bench/floor_app.py`): a minimal plain-Flask app, no "
                  "Landflow code, served by gunicorn with the same workers and settings and "
                  "driven by the same clients. Per request it checks the bearer token with one "
                  "SELECT on its hash, parses the JSON body and runs, in one transaction, the "
                  "raw SQL statements of the same step; on one connection per worker with "
                  "psycopg, or through SQLAlchemy Core (`engine.connect()` and `text()` "
                  "statements). floor/raw is the ceiling HTTP, Flask, gunicorn and the Python "
                  "clients put on any app of this stack on this machine; app/floor is what "
                  "Landflow's own work per request costs. By CPU: the same ratios from the CPU "
                  "ms per request (clients, server and PostgreSQL together) — what the rates "
                  "would be with the cores to the bench alone and saturated.", "",
                  "| clients | floor | floor/s | app/s | raw SQL/s | floor/raw | app/floor "
                  "| floor/raw by CPU | app/floor by CPU | server CPU ms/req app − floor |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for k, (clients, (a_s, _, a_n), (r_s, _, r_n)) in enumerate(chain):
            for d, runs in floor.items():
                f_s, _, f_n = runs[k]
                app_r, raw_r, floor_r = a_n / a_s, r_n / r_s, f_n / f_s
                a_cpu, r_cpu, f_cpu = cpu["app", clients], cpu["raw", clients], cpu[d, clients]
                lines.append(f"| {clients} | {FLOOR_DRIVERS[d]} | {floor_r:,.0f} | "
                             f"{app_r:,.0f} | {raw_r:,.0f} | {floor_r / raw_r:.2f} | "
                             f"{app_r / floor_r:.2f} | {cpu_total(r_cpu) / cpu_total(f_cpu):.2f} "
                             f"| {cpu_total(f_cpu) / cpu_total(a_cpu):.2f} | "
                             f"{(a_cpu[1] or 0) - (f_cpu[1] or 0):.1f} |")
    if before:
        lines += ["", f"The app before these changes (`{args.before}`, same machine, same run, "
                  "right after the app above at each client count):", "",
                  "| clients | app before /s | app now /s | now/before |", "|---|---|---|---|"]
        for (clients, (b_s, _, b_n)), (_, (a_s, _, a_n), _) in zip(before, chain, strict=True):
            lines.append(f"| {clients} | {b_n / b_s:,.0f} | {a_n / a_s:,.0f} | "
                         f"{(a_n / a_s) / (b_n / b_s):.2f} |")
    if scaling:
        lines += ["", f"Independent steps (issue 15.2): each client surveys, plans and rejects "
                  f"{args.independent_per_client} parcels of its own — no quota account, no "
                  "shared row but the outbox. Raw SQL numbered by transaction id (as the app "
                  "now does) and, as the baseline, under the old counter row lock.", "",
                  "| clients | app/s | app ×1 client | raw (txid) /s | raw ×1 | raw (counter) /s "
                  "| raw counter ×1 | txid/counter |", "|---|---|---|---|---|---|---|---|"]
        base = None
        for clients, (a_s, _, a_n), (r_s, _, r_n), (o_s, _, o_n) in scaling:
            rates = (a_n / a_s, r_n / r_s, o_n / o_s)
            base = base or rates
            lines.append(f"| {clients} | {rates[0]:,.0f} | {rates[0] / base[0]:.2f} | "
                         f"{rates[1]:,.0f} | {rates[1] / base[1]:.2f} | {rates[2]:,.0f} | "
                         f"{rates[2] / base[2]:.2f} | {rates[1] / rates[2]:.2f} |")
    body = "\n".join(lines)
    write_section("Transitions over HTTP", body)
    record_figures("transitions", figures(chain, scaling, floor, cpu))
    print(body)


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def figures(chain: list, scaling: list, floor: dict[str, list] | None = None,
            cpu: dict[tuple[str, int], Cpu] | None = None
            ) -> dict[str, dict]:
    """Targets 1 and 2 from the chain and the independent-steps runs, and the stack floor's
    runs by driver, one per chain run (rates from (seconds, latencies, requests)), with the
    CPU ms per request by (run, clients): ("app", "raw" or the floor's driver)."""
    def rate(r: tuple) -> float:
        return r[2] / r[0]

    out: dict[str, dict] = {}
    if chain:
        ratios = [(c, rate(a) / rate(r)) for c, a, r in chain]
        at = ", ".join(f"{c} clients" for c, _, _ in chain)
        worst_c, worst = min(ratios, key=lambda cr: cr[1])
        p50 = {c: (percentiles(a[1])[0], percentiles(r[1])[0]) for c, a, r in chain}
        raw_at = {c: r for c, _, r in chain}
        out["1"] = {
            "value": round(worst, 3), "scale": max(c for c, _, _ in chain),
            "figure": "app " + ", ".join(f"{rate(a):,.0f}/s" for _, a, _ in chain) + f" at {at}",
            "baseline": "raw SQL of the same steps " + ", ".join(
                f"{rate(r):,.0f}/s" for _, _, r in chain),
            "ratio": ", ".join(f"{v:.2f}" for _, v in ratios) + f" at {at}",
            "limit": f"At {worst_c} clients a request takes {p50[worst_c][0]:.1f} ms p50 over "
                     f"HTTP against {p50[worst_c][1]:.1f} ms for its SQL alone; 0.5 × raw SQL "
                     f"there is {rate(raw_at[worst_c]) / 2:,.0f} requests/s, which leaves "
                     f"{(os.cpu_count() or 1) * 1000 / (rate(raw_at[worst_c]) / 2):.1f} ms of "
                     f"the {os.cpu_count()} cores' CPU per request for the app, PostgreSQL "
                     "and the clients together."}
        if cpu:
            out["1"]["cpu_ms"] = {run: [dict(clients=c, client=_round(v[0]), server=_round(v[1]),
                                             postgres=_round(v[2]), total=_round(cpu_total(v)))
                                        for (r_, c), v in cpu.items() if r_ == run]
                                  for run in dict.fromkeys(r_ for r_, _ in cpu)}
        if floor:
            def by_cpu(x: str, y: str, c: int) -> float | None:
                return (cpu_total(cpu[x, c]) / cpu_total(cpu[y, c])
                        if cpu and (x, c) in cpu and (y, c) in cpu else None)

            out["1"]["floor"] = {d: [
                {"clients": c, "per_s": round(rate(f), 1),
                 "floor_raw": round(rate(f) / rate(r), 3),
                 "app_floor": round(rate(a) / rate(f), 3),
                 "floor_raw_by_cpu": _round(by_cpu("raw", d, c)),
                 "app_floor_by_cpu": _round(by_cpu(d, "app", c))}
                for (c, a, r), f in zip(chain, runs, strict=True)] for d, runs in floor.items()}

            def each(of: Callable[[tuple, tuple, tuple], float]) -> str:
                return "; ".join(FLOOR_DRIVERS[d] + " " + ", ".join(
                    f"{of(a, r, f):.2f}" for (_, a, r), f in zip(chain, runs, strict=True))
                    for d, runs in floor.items())

            out["1"]["limit"] += (
                " A minimal Flask app on the same stack running only those statements "
                f"(bench/floor_app.py, the stack floor) reaches × raw SQL: "
                f"{each(lambda a, r, f: rate(f) / rate(r))} at {at} — the cap HTTP, Flask, "
                "gunicorn and the Python clients put on any app here; Landflow reaches × that "
                f"floor: {each(lambda a, r, f: rate(a) / rate(f))}.")
            if cpu and all((d, c) in cpu for d in [*floor, "app", "raw"] for c, _, _ in chain):
                def ms(run: str) -> str:
                    return ", ".join(f"{cpu_total(cpu[run, c]):.1f}" for c, _, _ in chain)

                out["1"]["limit"] += (
                    " CPU per request (clients, server and PostgreSQL, ms): raw SQL "
                    f"{ms('raw')}; " + "; ".join(f"{FLOOR_DRIVERS[d]} floor {ms(d)}"
                                                 for d in floor) + f"; app {ms('app')}.")
    if scaling:
        (c1, a1, r1, o1), (cn, an, rn, on) = scaling[0], scaling[-1]
        app, raw, old = rate(an) / rate(a1), rate(rn) / rate(r1), rate(on) / rate(o1)
        out["2"] = {
            "value": round(min(app, raw), 3), "scale": cn,
            "figure": f"{cn} clients / {c1}: raw SQL (outbox by transaction id) ×{raw:.2f}, "
                      f"app over HTTP ×{app:.2f}",
            "baseline": f"raw SQL under the old counter row ×{old:.2f}",
            "ratio": f"transaction id / counter row at {cn} clients "
                     f"{rate(rn) / rate(on):.2f}",
            "limit": (f"Raw SQL takes the same row locks as the app and scales ×{raw:.2f}; "
                      f"the app ×{app:.2f} at {rate(an):,.0f}/s: what holds it back is its own "
                      "work per request (see 1), not a shared row." if raw > app else
                      f"Raw SQL itself scales only ×{raw:.2f} (the app ×{app:.2f}): the "
                      "database or the cores, not the app, limit it.")}
    return out


if __name__ == "__main__":
    main()
