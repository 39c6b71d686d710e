"""Shared bench plumbing: a fresh PostgreSQL database, timing, percentiles, the machine."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
# Each benchmark's headline figures, one JSON file per script; bench/summary.py reads them.
FIGURES = ROOT / "bench" / "out" / "figures"
DEFAULT_SERVER = os.environ.get("BENCH_DATABASE_URL",
                                "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def fresh_database(name: str, server: str = DEFAULT_SERVER) -> str:
    url = make_url(server)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def psycopg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://")


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def pick(p: float) -> float:
        k = max(0, min(len(ordered) - 1, round(p * (len(ordered) - 1))))
        return ordered[k]

    return pick(0.5), pick(0.95), pick(0.99)


def timed(fn: Callable[[], object], repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{cpu}, {os.cpu_count()} cores{mem}; {platform.python_implementation()} "
            f"{platform.python_version()}; {pg}")


def cpu_jiffies() -> tuple[int, int]:
    """The whole machine's (busy, total) CPU time in clock ticks since boot, from /proc/stat:
    two readings around a run give how busy the cores were, whoever kept them busy."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle and iowait; guest time is already inside user
    return sum(fields) - idle, sum(fields)


def write_section(title: str, body: str) -> None:
    """Replace (or append) one ``## title`` section of bench/RESULTS.md."""
    text_ = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else (
        "# Benchmark results\n\nWritten by the scripts in `bench/` (`make bench`). Each section "
        "says when and on what machine it ran.\n")
    marker = f"\n## {title}\n"
    if marker in text_:
        head, rest = text_.split(marker, 1)
        nxt = rest.find("\n## ")
        text_ = head + marker + body.rstrip() + "\n" + (rest[nxt:] if nxt >= 0 else "")
    else:
        text_ = text_.rstrip() + "\n" + marker + body.rstrip() + "\n"
    RESULTS.write_text(text_, encoding="utf-8")


def stamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def record_figures(name: str, figures: dict[str, dict], folder: Path = FIGURES) -> Path:
    """Write ``folder/<name>.json``: when and where the script ran, and its headline figures by
    target of issue 15 ("1", "2", "3a", …). An entry with a ``value`` is the figure judged
    against the target; one with only a ``limit`` adds to what another script measured."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"script": name, "date": stamp(), "machine": machine(),
                                "cores": os.cpu_count(), "argv": sys.argv[1:],
                                "figures": figures}, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    return path


def chain_database(name: str, secret: str, area_m2: str
                   ) -> tuple[str, dict[str, str], int, int]:
    """A fresh, migrated, seeded database ready for parcels to run the whole chain: a clerk, an
    approver and an admin (their tokens), one quota account and one farmland credit of
    ``area_m2`` each. Returns (url, tokens by role, the township id of 南宾街道, the quota
    account id)."""
    from workflow.access import Actor
    from workflow.accounts.services import add_user
    from workflow.config import Settings
    from workflow.ledgers.schemas import FarmlandCreditSchema, QuotaAccountSchema
    from workflow.ledgers.services import create_farmland_credit, create_quota_account
    from workflow.models import Account, Township
    from workflow.operator.migrate import upgrade
    from workflow.operator.seed import load_seed
    from workflow.payloads.fields import load
    from workflow.runtime import Runtime, SystemClock

    url = fresh_database(name)
    upgrade(url)
    rt = Runtime.from_settings(Settings(database_url=url, secret_key=secret),
                               clock=SystemClock())
    load_seed(rt.uow())
    tokens = {r: add_user(rt.uow(), f"{secret}-{r}", r).token
              for r in ("clerk", "approver", "admin")}
    with rt.reader() as uow:
        row = uow.session.query(Account).filter_by(name=f"{secret}-admin").one()
        admin = Actor(row.id, row.name, "admin")
        township_id = uow.session.query(Township).filter_by(name="南宾街道").one().id
    account_id = create_quota_account(rt.uow(), admin, load(QuotaAccountSchema, {
        "year": 2026, "allocated_m2": area_m2}))["id"]
    create_farmland_credit(rt.uow(), admin, load(FarmlandCreditSchema, {
        "source": "consolidation", "project_no": secret, "area_m2": area_m2,
        "paddy_m2": "0", "grade": 1, "accepted_on": "2025-01-01"}))
    rt.engine.dispose()
    return url, tokens, township_id, account_id


def process_cpu(pid: int, parent: bool = False) -> float:
    """CPU seconds (user + system) used so far by a local process (0 once it is gone), or with
    ``parent`` by it and its children (a gunicorn master and its workers)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat") if parent else [Path(f"/proc/{pid}/stat")]:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended while we looked
        if stat.parent.name == str(pid) or int(fields[1]) == pid:  # fields[1]: the parent
            total += (int(fields[11]) + int(fields[12])) / tick
    return total
