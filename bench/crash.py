"""Crash safety: kill gunicorn with SIGKILL in the middle of concurrent transitions, restart it,
and check that nothing is half-done.

    python bench/crash.py --cycles 10

After every kill (and at the end) it checks, on PostgreSQL:
- every quota account's balance equals the sum of its entries;
- every audit hash chain verifies, and every parcel's chain ends where the parcel says;
- every committed transition, survey and record has its outbox event;
- no parcel is half-moved: its state is the ``to_state`` of its last event and its version is
  the length of its chain.
Clients retry after a lost response with the same Idempotency-Key, as a careful portal would.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from bench.common import chain_database, machine, record_figures, stamp, write_section  # noqa: E402
from bench.transitions import STEPS, SURVEY, free_port  # noqa: E402


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, LANDFLOW_SECRET_KEY="crash",
               LANDFLOW_DB_POOL_SIZE="4")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen([gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                             "--log-level", "critical", "wsgi:app"], env=env,
                            cwd=_HERE.parent, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not come up")


def kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def post(port: int, token: str, path: str, body: dict, key: str) -> int:
    """POST until the server answers (it may be down): the Idempotency-Key makes a retry of a
    request that did commit return the first answer instead of doing it twice."""
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Idempotency-Key": key}
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("POST", path, body=data, headers=headers)
            r = c.getresponse()
            payload = json.loads(r.read() or b"{}")
            c.close()
            if r.status in (200, 201):
                return payload.get("parcel", {}).get("id", 0)
            raise RuntimeError(f"{path}: {r.status} {payload.get('code')} "
                               f"{payload.get('violations') or payload.get('errors')}")
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)


def client(port: int, tokens: dict[str, str], n0: int, stop: threading.Event,
           errors: list[str]) -> None:
    n = n0
    while not stop.is_set():
        n += 1
        try:
            pid = post(port, tokens["clerk"], "/api/v1/parcels",
                       {**SURVEY, "code": f"CR-{n}"}, f"survey-{n}")
            for suffix, template in STEPS:
                if stop.is_set():
                    return
                payload = json.loads(json.dumps(template).replace("{n}", str(n)))
                who = tokens["approver"] if suffix.endswith("approve") else tokens["clerk"]
                post(port, who, f"/api/v1/parcels/{pid}/{suffix}", payload, f"{n}-{suffix}")
        except RuntimeError as err:
            errors.append(str(err))
            return


def check(url: str) -> dict[str, int]:
    from sqlalchemy import text

    from workflow.audit import verify_chains
    from workflow.config import Settings
    from workflow.ledgers.queries import ledger_invariants
    from workflow.runtime import Runtime

    rt = Runtime.from_settings(Settings(database_url=url, secret_key="crash"))
    try:
        inv = ledger_invariants(rt.reader())
        quota = sum(1 for balance, total in inv["accounts"].values() if balance != total)
        with rt.reader() as uow:
            report = verify_chains(uow.session)
            s = uow.session
            missing_outbox = s.execute(text(
                "SELECT count(*) FROM audit_events e WHERE e.kind IN ('create', 'transition', "
                "'record') AND NOT EXISTS (SELECT 1 FROM outbox_events o "
                "WHERE o.audit_event_id = e.id)")).scalar_one()
            half_moved = s.execute(text(
                "SELECT count(*) FROM parcels p JOIN LATERAL "
                "(SELECT e.to_state FROM audit_events e "
                "WHERE e.stream = 'parcel:' || p.id ORDER BY e.stream_seq DESC LIMIT 1) last "
                "ON true WHERE p.state <> last.to_state OR p.version <> p.audit_seq")).scalar_one()
            events = s.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        return {"quota_mismatches": quota, "broken_chains": 0 if report.ok else 1,
                "missing_outbox": missing_outbox, "half_moved": half_moved, "events": events}
    finally:
        rt.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--database", default="landflow_bench_crash")
    args = ap.parse_args()
    url, tokens, _, _ = chain_database(args.database, "crash", "1000000000")
    port = free_port()
    rng = random.Random(3)
    rows = []
    errors: list[str] = []
    server = start_server(url, port, args.workers)
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(port, tokens, c * 1_000_000, stop, errors))
               for c in range(args.clients)]
    for t in threads:
        t.start()
    for cycle in range(1, args.cycles + 1):
        time.sleep(rng.uniform(1.0, 3.0))
        kill(server)  # SIGKILL, mid-load: requests are in flight
        found = check(url)
        rows.append((cycle, found))
        print(f"cycle {cycle}: {found}", file=sys.stderr)
        server = start_server(url, port, args.workers)
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(60)
    kill(server)
    final = check(url)
    rows.append(("final", final))
    bad = sum(v for _, f in rows for k, v in f.items() if k != "events")
    lines = [f"Run {stamp()} on {machine()}.", "",
             f"{args.clients} clients carrying parcels through the chain against gunicorn "
             f"({args.workers} workers) on PostgreSQL; the server was killed with SIGKILL "
             f"{args.cycles} times at random moments (1–3 s apart) and restarted; clients "
             "retried lost requests with the same Idempotency-Key.", "",
             "| after kill | events | quota ≠ entries | broken chains | missing outbox | "
             "half-moved parcels |", "|---|---|---|---|---|---|"]
    for cycle, f in rows:
        lines.append(f"| {cycle} | {f['events']} | {f['quota_mismatches']} | "
                     f"{f['broken_chains']} | {f['missing_outbox']} | {f['half_moved']} |")
    lines += ["", f"**Discrepancies: {bad}** (target 0). Client errors other than lost "
                  f"connections: {len(errors)}" + (f", e.g. {errors[:2]}" if errors else ".")]
    write_section("Crash safety (SIGKILL mid-load)", "\n".join(lines))
    record_figures("crash", {"crash": {
        "value": bad,
        "figure": f"{bad} discrepancies after {args.cycles} kills, {final['events']} events",
        "limit": f"Client errors other than lost connections: {len(errors)}."}})
    print("\n".join(lines))
    if bad or errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
