"""The service's Prometheus metrics: one module that defines every metric, so that their names
are listed in one place (README "Metrics") and each wing only counts.

Counted where things happen: HTTP requests (``api.observe``), transitions fired and refused
(``workflow.services``), sweeps (``workflow.deadlines.sweep``), webhook deliveries
(``workflow.portal.delivery``), database connections checked out of the pool
(``workflow.runtime``). What is a state of the database rather than an event of one process —
how far each webhook subscription lags behind the outbox, how old the last sweep is — is read
at scrape time (``lag_samples``), so that every worker answers the same.

Under gunicorn with several workers, ``LANDFLOW_METRICS_DIR`` makes prometheus-client keep its
samples in files the workers share (multiprocess mode); the library chooses that mode when it
is imported, so the directory is put into its environment variable before the import below.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.config import metrics_dir_from_env

_DIR = metrics_dir_from_env()
if _DIR and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _DIR

# After the environment above:
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram  # noqa: E402
from prometheus_client.core import GaugeMetricFamily, Metric  # noqa: E402
from prometheus_client.registry import REGISTRY, Collector  # noqa: E402

from workflow.models import OutboxEvent, SweepRun, WebhookSubscription, outbox  # noqa: E402

# Request latencies from a fast read (ms) to a large export (tens of seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

HTTP_REQUEST_SECONDS = Histogram(
    "landflow_http_request_duration_seconds",
    "HTTP requests by route (the URL rule, not the URL), method and status, and how long each "
    "took", ["method", "route", "status"], buckets=LATENCY_BUCKETS)

TRANSITIONS_FIRED = Counter(
    "landflow_transitions_fired_total",
    "Lifecycle transitions and records committed, by transition (records: record.<kind>)",
    ["transition"])

TRANSITIONS_REFUSED = Counter(
    "landflow_transitions_refused_total",
    "Lifecycle transitions and records refused, by transition and rule or error code (a "
    "refusal that breaks three rules counts once under each code)",
    ["transition", "code"])

SWEEP_RUNS = Counter(
    "landflow_sweep_runs_total", "Daily sweeps run to the end")
SWEEP_FINDINGS = Counter(
    "landflow_sweep_findings_total",
    "What the sweeps found: deadlines breached, suspected idle land flagged, approvals "
    "lapsed, lapses refused", ["kind"])
SWEEP_SECONDS = Histogram(
    "landflow_sweep_duration_seconds", "How long each sweep took",
    buckets=(0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600))

WEBHOOK_DELIVERIES = Counter(
    "landflow_webhook_deliveries_total",
    "Webhook posts by outcome: delivered (2xx), failed (will be retried), suspended (the "
    "subscription gave up after too many failures)", ["outcome"])

DB_POOL_CHECKED_OUT = Gauge(
    "landflow_db_pool_checked_out",
    "Database connections in use (checked out of the pool), summed over live processes",
    multiprocess_mode="livesum")
DB_POOL_SIZE = Gauge(
    "landflow_db_pool_size",
    "Connections each process keeps in its pool (PostgreSQL; 0 for SQLite: no pool)",
    multiprocess_mode="livemax")
DB_POOL_CHECKOUTS = Counter(
    "landflow_db_pool_checkouts_total", "Connections taken from the pool")


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def count_refusal(transition: str, codes: Iterable[str]) -> None:
    """One refusal: once under each distinct code (a rule that names seven missing records
    counts once)."""
    for code in sorted(set(codes)) or ["UNKNOWN"]:
        TRANSITIONS_REFUSED.labels(transition, code).inc()


# --- what the database says: lag, read at scrape time ---------------------------------------


@dataclass(frozen=True)
class LagSample:
    name: str
    help: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()


def lag_samples(session: Session, now: datetime, today: date) -> list[LagSample]:
    """How far behind the background work is: per active or suspended webhook subscription,
    the outbox events it has not yet been sent; the newest outbox number; the age of the last
    finished sweep (seconds) and the days between today and the date it swept as of."""
    # Outbox numbers have gaps on PostgreSQL (transaction id << 20, workflow.models.outbox): the
    # newest number a reader may see, and a subscription's lag counted in events.
    last_seq = outbox.head(session)
    out = [LagSample("landflow_outbox_last_seq", "The newest outbox event number", last_seq)]
    subs = session.execute(
        select(WebhookSubscription.id, WebhookSubscription.status, WebhookSubscription.cursor)
        .order_by(WebhookSubscription.id)).all()
    for sub_id, status, cursor in subs:
        behind = session.execute(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.seq > (cursor or 0), outbox.readable())).scalar_one()
        out.append(LagSample(
            "landflow_webhook_lag_events",
            "Outbox events a webhook subscription has not been sent yet (readable events "
            "after its cursor)", behind,
            (("subscription", str(sub_id)), ("status", status))))
    last = session.execute(
        select(SweepRun.as_of, SweepRun.finished_at).where(SweepRun.finished_at.is_not(None))
        .order_by(SweepRun.finished_at.desc(), SweepRun.id.desc()).limit(1)).first()
    runs = session.execute(select(func.count()).select_from(SweepRun)).scalar_one()
    if last is not None:
        as_of, finished = last
        assert finished is not None  # selected for it
        out.append(LagSample(
            "landflow_sweep_last_finished_age_seconds",
            "Seconds since the last sweep finished", max((now - finished).total_seconds(), 0)))
        out.append(LagSample(
            "landflow_sweep_lag_days",
            "Days between today and the date the last finished sweep swept as of",
            (today - as_of).days))
    out.append(LagSample("landflow_sweep_runs_recorded", "Sweeps recorded in the database",
                         runs))
    return out


class LagCollector(Collector):
    """Serves ``lag_samples`` from a callable that opens its own read (errors become a
    ``landflow_lag_up 0`` sample rather than a failed scrape)."""

    def __init__(self, read: object) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        try:
            samples: list[LagSample] = self._read()  # type: ignore[operator]
        except Exception:  # noqa: BLE001 - the database not answering is itself the sample
            samples = []
            up = 0.0
        else:
            up = 1.0
        families: dict[str, GaugeMetricFamily] = {}
        for s in samples:
            fam = families.get(s.name)
            if fam is None:
                fam = families[s.name] = GaugeMetricFamily(
                    s.name, s.help, labels=[k for k, _ in s.labels])
            fam.add_metric([v for _, v in s.labels], s.value)
        yield from families.values()
        yield GaugeMetricFamily("landflow_lag_up",
                                "1 when the lag figures could be read from the database", up)


def scrape_registry(extra: Iterable[Collector] = ()) -> CollectorRegistry:
    """The registry one scrape reads: every process's samples in multiprocess mode, this
    process's otherwise; plus the collectors that read the database."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    for collector in extra:
        registry.register(collector)
    return registry


class _Forward(Collector):
    """This process's default registry, seen through a fresh registry (so that the lag
    collector of one scrape is not registered on the process-wide one)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        return iter(self._registry.collect())
