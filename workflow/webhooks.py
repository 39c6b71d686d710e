"""Webhooks: subscriptions to the event feed, delivered in order, signed, retried with
exponential backoff and jitter, suspended after too many failures, replayable.

Delivery never holds a database transaction across the HTTP call: a worker leases a
subscription, reads its next event, lets go of the transaction, posts, then records the outcome.
The lease (not a process lock) keeps two workers from delivering for the same subscription.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update

from .actors import Actor
from .audit import append_event
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .models import OutboxEvent, WebhookAllowedHost, WebhookDelivery, WebhookSubscription
from .portal import event_item
from .uow import UnitOfWork, outbox_last_seq

ADMINS = ("admin",)


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


def _require_admin(actor: Actor) -> None:
    if actor.role not in ADMINS:
        raise Forbidden({"role": actor.role})


def subscription_view(w: WebhookSubscription) -> dict[str, Any]:
    return {"id": w.id, "url": w.url, "event_types": w.event_types, "status": w.status,
            "cursor": w.cursor, "round": w.round,
            "consecutive_failures": w.consecutive_failures,
            "next_attempt_at": w.next_attempt_at.isoformat() if w.next_attempt_at else None}


# --- administration ----------------------------------------------------------------------------


def allow_host(uow: UnitOfWork, actor: Actor, host: str) -> dict[str, Any]:
    _require_admin(actor)
    host = host.strip().lower()
    with uow:
        s = uow.session
        if s.execute(select(WebhookAllowedHost).where(WebhookAllowedHost.host == host)).first():
            raise Conflict({"field": "host"}, field="host")
        row = WebhookAllowedHost(host=host, created_at=uow.now())
        s.add(row)
        s.flush()
        append_event(s, stream=f"webhook_host:{row.id}", kind="admin", name="webhook.host_allowed",
                     actor_id=actor.id, actor=actor.name, role=actor.role,
                     recorded_at=uow.now(), effective_date=uow.today(), payload={"host": host})
        uow.commit()
        return {"id": row.id, "host": host}


def list_allowed_hosts(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    _require_admin(actor)
    with uow:
        rows = uow.session.execute(select(WebhookAllowedHost).order_by(WebhookAllowedHost.id)
                                   ).scalars()
        items = [{"id": r.id, "host": r.host} for r in rows]
        return {"items": items, "total": len(items)}


def create_subscription(uow: UnitOfWork, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """Only http(s) URLs to hosts an admin allowed. The secret is returned once."""
    _require_admin(actor)
    url = body["url"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed({"url": ["须为 http(s) 地址 / must be an http(s) URL"]})
    if parts.username or parts.password:
        raise ValidationFailed({"url": ["不得包含凭据 / must not carry credentials"]})
    with uow:
        s = uow.session
        allowed = s.execute(select(WebhookAllowedHost).where(
            WebhookAllowedHost.host == parts.hostname.lower())).first()
        if not allowed:
            raise ValidationFailed({"url": [f"主机 {parts.hostname} 未获准 / host not allowed "
                                            "by an admin"]})
        secret = body.get("secret") or secrets.token_urlsafe(32)
        start = body.get("from_seq")
        cursor = (start - 1) if start is not None else outbox_last_seq(s)
        now = uow.now()
        w = WebhookSubscription(url=url, event_types=body.get("event_types") or ["*"],
                                secret=secret, status="active", cursor=max(cursor, 0), round=0,
                                consecutive_failures=0, created_at=now, updated_at=now)
        s.add(w)
        s.flush()
        append_event(s, stream=f"webhook:{w.id}", kind="admin", name="webhook.subscribed",
                     actor_id=actor.id, actor=actor.name, role=actor.role, recorded_at=now,
                     effective_date=uow.today(),
                     payload={"url": url, "event_types": w.event_types, "cursor": w.cursor})
        view = subscription_view(w)
        view["secret"] = secret
        uow.commit()
        return view


def list_subscriptions(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    _require_admin(actor)
    with uow:
        rows = uow.session.execute(select(WebhookSubscription).order_by(WebhookSubscription.id)
                                   ).scalars()
        items = [subscription_view(w) for w in rows]
        return {"items": items, "total": len(items)}


def deliveries(uow: UnitOfWork, actor: Actor, subscription_id: int, limit: int = 100
               ) -> dict[str, Any]:
    _require_admin(actor)
    with uow:
        rows = uow.session.execute(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
            .order_by(WebhookDelivery.id.desc()).limit(limit)).scalars()
        items = [{"id": d.id, "event_seq": d.event_seq, "round": d.round, "status": d.status,
                  "attempts": d.attempts, "last_status_code": d.last_status_code,
                  "last_error": d.last_error,
                  "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None}
                 for d in rows]
        return {"items": items, "total": len(items)}


def replay(uow: UnitOfWork, actor: Actor, subscription_id: int, from_seq: int
           ) -> dict[str, Any]:
    """Send again every matching event from ``from_seq`` on (a new delivery round), and
    reactivate a suspended subscription."""
    _require_admin(actor)
    with uow:
        s = uow.session
        w = s.get(WebhookSubscription, subscription_id, with_for_update=True)
        if w is None:
            raise NotFound({"what": f"订阅 {subscription_id} / webhook {subscription_id}"})
        now = uow.now()
        w.cursor, w.round, w.status = max(from_seq - 1, 0), w.round + 1, "active"
        w.consecutive_failures, w.next_attempt_at, w.updated_at = 0, None, now
        append_event(s, stream=f"webhook:{w.id}", kind="admin", name="webhook.replayed",
                     actor_id=actor.id, actor=actor.name, role=actor.role, recorded_at=now,
                     effective_date=uow.today(), payload={"from_seq": from_seq})
        view = subscription_view(w)
        uow.commit()
        return view


# --- delivery ----------------------------------------------------------------------------------


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
    with uow_factory() as uow:
        now = uow.now()
        got = uow.session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == sub_id,
                   or_(WebhookSubscription.lease_until.is_(None),
                       WebhookSubscription.lease_until < now))
            .values(lease_until=now + timedelta(seconds=policy.lease_s))
            .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
        uow.commit()
        return bool(got)


def _release(uow_factory: Callable[[], UnitOfWork], sub_id: int) -> None:
    with uow_factory() as uow:
        uow.session.execute(update(WebhookSubscription).where(WebhookSubscription.id == sub_id)
                            .values(lease_until=None)
                            .execution_options(synchronize_session=False))
        uow.commit()


def _deliver_next(uow_factory: Callable[[], UnitOfWork], sub_id: int, policy: DeliveryPolicy,
                  post: Poster, rng: random.Random | None) -> str | None:
    with uow_factory() as uow:
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
        url, secret, round_ = w.url, w.secret, w.round
        item = event_item(event)
        delivery = s.execute(select(WebhookDelivery).where(
            WebhookDelivery.subscription_id == sub_id, WebhookDelivery.event_seq == event.seq,
            WebhookDelivery.round == round_)).scalar_one_or_none()
        if delivery is None:
            delivery = WebhookDelivery(subscription_id=sub_id, event_seq=event.seq,
                                       round=round_, status="pending", attempts=0)
            s.add(delivery)
            s.flush()
        delivery_id = delivery.id
        uow.commit()
    body = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ts = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "Landflow-Webhooks/1",
               "X-Landflow-Event-Id": str(item["seq"]), "X-Landflow-Event-Type": item["type"],
               "X-Landflow-Delivery": str(delivery_id),
               "X-Landflow-Signature": sign(secret, ts, body)}
    status: int | None = None
    error: str | None = None
    try:
        status = post(url, body, headers, policy.timeout_s)
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt
        error = f"{type(exc).__name__}: {exc}"[:500]
    with uow_factory() as uow:
        s = uow.session
        w = s.get(WebhookSubscription, sub_id, with_for_update=True)
        d = s.get(WebhookDelivery, delivery_id)
        assert w is not None and d is not None
        now = uow.now()
        d.attempts += 1
        d.first_attempt_at = d.first_attempt_at or now
        d.last_attempt_at, d.last_status_code, d.last_error = now, status, error
        if error is None:
            d.status, d.delivered_at = "delivered", now
            if w.round == round_:
                w.cursor = max(w.cursor, item["seq"])
            w.consecutive_failures, w.next_attempt_at, w.updated_at = 0, None, now
            uow.commit()
            return "delivered"
        d.status = "failed"
        w.consecutive_failures += 1
        w.updated_at = now
        outcome = "failed"
        if w.consecutive_failures >= policy.max_failures:
            w.status, w.next_attempt_at = "suspended", None
            ev = append_event(s, stream=f"webhook:{w.id}", kind="admin",
                              name="webhook.suspended", actor_id=None, actor="system",
                              role="system", recorded_at=now, effective_date=uow.today(),
                              payload={"failures": w.consecutive_failures, "last_error": error,
                                       "event_seq": item["seq"]})
            uow.emit("webhook.suspended", None, {"webhook_id": w.id, "url": w.url,
                                                 "failures": w.consecutive_failures,
                                                 "last_error": error}, audit_event_id=ev.id)
            outcome = "suspended"
        else:
            w.next_attempt_at = now + timedelta(
                seconds=backoff(w.consecutive_failures, policy, rng))
        uow.commit()
        return outcome


def run_worker(uow_factory: Callable[[], UnitOfWork], policy: DeliveryPolicy, *,
               interval_s: float = 1.0, stop: Callable[[], bool] = lambda: False,
               on_pass: Callable[[dict[str, int]], None] | None = None) -> None:
    while not stop():
        stats = deliver_once(uow_factory, policy)
        if on_pass:
            on_pass(stats)
        time.sleep(interval_s)

