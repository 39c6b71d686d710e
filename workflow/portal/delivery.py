"""Webhook delivery: the only network I/O of Landflow.

Events are delivered in order, signed, retried with exponential backoff and jitter, suspended
after too many failures. Delivery never holds a database transaction across the HTTP call: a
worker leases a subscription, reads its next event, lets go of the transaction, posts, then
records the outcome. The lease (not a process lock) keeps two workers from delivering for the
same subscription."""

from __future__ import annotations

import hashlib
import hmac
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from workflow.access import SYSTEM
from workflow.canonical import canonical_json
from workflow.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from workflow.portal.queries import event_item
from workflow.uow import UnitOfWork, command


@dataclass(frozen=True)
class DeliveryPolicy:
    backoff_base_s: float = 2.0
    backoff_max_s: float = 300.0
    jitter: float = 0.25  # up to +25% of the delay, so that retries of many do not align
    max_failures: int = 8
    timeout_s: float = 5.0
    lease_s: float = 60.0
    batch: int = 50


def backoff(attempt: int, policy: DeliveryPolicy, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempt``-th consecutive failure (1, 2, …)."""
    base = min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (attempt - 1))
    return base * (1 + (rng or random).uniform(0, policy.jitter))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


Poster = Callable[[str, bytes, dict[str, str], float], int]


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def _matches(types: list[str]) -> Any:
    if not types or "*" in types:
        return True
    return or_(*[OutboxEvent.type.startswith(t) for t in types])


def deliver_once(uow_factory: Callable[[], UnitOfWork], policy: DeliveryPolicy,
                 post: Poster = http_post, rng: random.Random | None = None) -> dict[str, int]:
    """One pass over the subscriptions that are due; each delivers its events in order until
    it has none left, fails, or has sent a batch. Safe to run from several workers at once."""
    stats = {"delivered": 0, "failed": 0, "suspended": 0}
    with uow_factory() as uow:
        now = uow.now()
        due = list(uow.session.execute(
            select(WebhookSubscription.id).where(
                WebhookSubscription.status == "active",
                or_(WebhookSubscription.next_attempt_at.is_(None),
                    WebhookSubscription.next_attempt_at <= now))
            .order_by(WebhookSubscription.id)).scalars())
    for sub_id in due:
        if not _lease(uow_factory, sub_id, policy):
            continue
        try:
            for _ in range(policy.batch):
                outcome = _deliver_next(uow_factory, sub_id, policy, post, rng)
                if outcome is None:
                    break
                stats[outcome] += 1
                if outcome != "delivered":
                    break
        finally:
            _release(uow_factory, sub_id)
    return stats


def _lease(uow_factory: Callable[[], UnitOfWork], sub_id: int, policy: DeliveryPolicy) -> bool:
    def work(uow: UnitOfWork) -> bool:
        now = uow.now()
        got = uow.session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == sub_id,
                   or_(WebhookSubscription.lease_until.is_(None),
                       WebhookSubscription.lease_until < now))
            .values(lease_until=now + timedelta(seconds=policy.lease_s))
            .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
        return bool(got)

    return command(uow_factory(), SYSTEM, work).result


def _release(uow_factory: Callable[[], UnitOfWork], sub_id: int) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.session.execute(update(WebhookSubscription).where(WebhookSubscription.id == sub_id)
                            .values(lease_until=None)
                            .execution_options(synchronize_session=False))

    command(uow_factory(), SYSTEM, work)


@dataclass(frozen=True)
class _Attempt:
    url: str
    secret: str
    round: int
    item: dict[str, Any]
    delivery_id: int


def _next_attempt(uow: UnitOfWork, sub_id: int) -> _Attempt | None:
    """The subscription's next event and its delivery row (made on the first attempt)."""
    s = uow.session
    w = s.get(WebhookSubscription, sub_id)
    if w is None or w.status != "active":
        return None
    if w.next_attempt_at is not None and w.next_attempt_at > uow.now():
        return None
    event = s.execute(select(OutboxEvent).where(OutboxEvent.seq > w.cursor,
                                                _matches(w.event_types))
                      .order_by(OutboxEvent.seq).limit(1)).scalar_one_or_none()
    if event is None:
        return None
    delivery = s.execute(select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == sub_id, WebhookDelivery.event_seq == event.seq,
        WebhookDelivery.round == w.round)).scalar_one_or_none()
    if delivery is None:
        delivery = WebhookDelivery(subscription_id=sub_id, event_seq=event.seq,
                                   round=w.round, status="pending", attempts=0)
        s.add(delivery)
        s.flush()
    return _Attempt(w.url, w.secret, w.round, event_item(event), delivery.id)


def _record_outcome(uow: UnitOfWork, sub_id: int, attempt: _Attempt, status: int | None,
                    error: str | None, policy: DeliveryPolicy, rng: random.Random | None
                    ) -> str:
    s = uow.session
    w = s.get(WebhookSubscription, sub_id, with_for_update=True)
    d = s.get(WebhookDelivery, attempt.delivery_id)
    assert w is not None and d is not None
    now = uow.now()
    d.attempts += 1
    d.first_attempt_at = d.first_attempt_at or now
    d.last_attempt_at, d.last_status_code, d.last_error = now, status, error
    if error is None:
        d.status, d.delivered_at = "delivered", now
        if w.round == attempt.round:
            w.cursor = max(w.cursor, attempt.item["seq"])
        w.consecutive_failures, w.next_attempt_at, w.updated_at = 0, None, now
        return "delivered"
    d.status = "failed"
    w.consecutive_failures += 1
    w.updated_at = now
    if w.consecutive_failures < policy.max_failures:
        w.next_attempt_at = now + timedelta(seconds=backoff(w.consecutive_failures, policy, rng))
        return "failed"
    w.status, w.next_attempt_at = "suspended", None
    ev = uow.audit(stream=f"webhook:{w.id}", kind="admin", name="webhook.suspended",
                   effective_date=uow.today(),
                   payload={"failures": w.consecutive_failures, "last_error": error,
                            "event_seq": attempt.item["seq"]})
    uow.emit("webhook.suspended", None, {"webhook_id": w.id, "url": w.url,
                                         "failures": w.consecutive_failures,
                                         "last_error": error}, audit_event_id=ev.id)
    return "suspended"


def _deliver_next(uow_factory: Callable[[], UnitOfWork], sub_id: int, policy: DeliveryPolicy,
                  post: Poster, rng: random.Random | None) -> str | None:
    """Deliver one event: take it (one transaction), post it (none), record the outcome
    (another)."""
    attempt = command(uow_factory(), SYSTEM, lambda uow: _next_attempt(uow, sub_id)).result
    if attempt is None:
        return None
    body = canonical_json(attempt.item).encode()
    ts = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "Landflow-Webhooks/1",
               "X-Landflow-Event-Id": str(attempt.item["seq"]),
               "X-Landflow-Event-Type": attempt.item["type"],
               "X-Landflow-Delivery": str(attempt.delivery_id),
               "X-Landflow-Signature": sign(attempt.secret, ts, body)}
    status: int | None = None
    error: str | None = None
    try:
        status = post(attempt.url, body, headers, policy.timeout_s)
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt
        error = f"{type(exc).__name__}: {exc}"[:500]
    return command(uow_factory(), SYSTEM,
                   lambda uow: _record_outcome(uow, sub_id, attempt, status, error, policy, rng)
                   ).result


def run_worker(uow_factory: Callable[[], UnitOfWork], policy: DeliveryPolicy, *,
               interval_s: float = 1.0, stop: Callable[[], bool] = lambda: False,
               on_pass: Callable[[dict[str, int]], None] | None = None) -> None:
    while not stop():
        stats = deliver_once(uow_factory, policy)
        if on_pass:
            on_pass(stats)
        time.sleep(interval_s)
