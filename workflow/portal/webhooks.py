"""Webhooks: subscriptions to the event feed, delivered in order, signed, retried with
exponential backoff and jitter, suspended after too many failures, replayable.

Delivery never holds a database transaction across the HTTP call: a worker leases a
subscription, reads its next event, lets go of the transaction, posts, then records the outcome.
The lease (not a process lock) keeps two workers from delivering for the same subscription.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from workflow.access import WEBHOOK_ADMINS, Actor, require
from workflow.errors import Conflict, NotFound, ValidationFailed
from workflow.models import WebhookAllowedHost, WebhookDelivery, WebhookSubscription
from workflow.portal.addresses import AddressPolicy
from workflow.uow import UnitOfWork, command, outbox_last_seq


def subscription_view(w: WebhookSubscription) -> dict[str, Any]:
    return {"id": w.id, "url": w.url, "event_types": w.event_types, "status": w.status,
            "cursor": w.cursor, "round": w.round,
            "consecutive_failures": w.consecutive_failures,
            "next_attempt_at": w.next_attempt_at.isoformat() if w.next_attempt_at else None}


# --- administration ----------------------------------------------------------------------------


def allow_host(uow: UnitOfWork, actor: Actor, host: str, addresses: AddressPolicy
               ) -> dict[str, Any]:
    """Allow webhooks to ``host``: a name (its addresses are checked when each event is sent)
    or an address the policy allows."""
    require(actor, WEBHOOK_ADMINS)
    host = host.strip().lower()
    problem = addresses.host_problem(host)
    if problem:
        raise ValidationFailed({"host": [problem]})

    def work(uow: UnitOfWork) -> dict[str, Any]:
        s = uow.session
        if s.execute(select(WebhookAllowedHost).where(WebhookAllowedHost.host == host)).first():
            raise Conflict({"field": "host"}, field="host")
        row = WebhookAllowedHost(host=host, created_at=uow.now())
        s.add(row)
        s.flush()
        uow.audit(stream=f"webhook_host:{row.id}", kind="admin", name="webhook.host_allowed",
                  effective_date=uow.today(), payload={"host": host})
        return {"id": row.id, "host": host}

    return command(uow, actor, work).result


def list_allowed_hosts(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    require(actor, WEBHOOK_ADMINS)
    with uow:
        rows = uow.session.execute(select(WebhookAllowedHost).order_by(WebhookAllowedHost.id)
                                   ).scalars()
        items = [{"id": r.id, "host": r.host} for r in rows]
        return {"items": items, "total": len(items)}


def create_subscription(uow: UnitOfWork, actor: Actor, body: dict[str, Any],
                        addresses: AddressPolicy) -> dict[str, Any]:
    """Only http(s) URLs to hosts an admin allowed, on ports and addresses the policy allows.
    The secret is returned once."""
    require(actor, WEBHOOK_ADMINS)
    url = body["url"]
    problem = addresses.url_problem(url)
    if problem:
        raise ValidationFailed({"url": [problem]})
    host = urlsplit(url).hostname or ""

    def work(uow: UnitOfWork) -> dict[str, Any]:
        s = uow.session
        allowed = s.execute(select(WebhookAllowedHost).where(
            WebhookAllowedHost.host == host)).first()
        if not allowed:
            raise ValidationFailed({"url": [f"主机 {host} 未获准 / host not allowed "
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
        uow.audit(stream=f"webhook:{w.id}", kind="admin", name="webhook.subscribed",
                  effective_date=uow.today(),
                  payload={"url": url, "event_types": w.event_types, "cursor": w.cursor})
        view = subscription_view(w)
        view["secret"] = secret
        return view

    return command(uow, actor, work).result


def list_subscriptions(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    require(actor, WEBHOOK_ADMINS)
    with uow:
        rows = uow.session.execute(select(WebhookSubscription).order_by(WebhookSubscription.id)
                                   ).scalars()
        items = [subscription_view(w) for w in rows]
        return {"items": items, "total": len(items)}


def deliveries(uow: UnitOfWork, actor: Actor, subscription_id: int, limit: int = 100
               ) -> dict[str, Any]:
    require(actor, WEBHOOK_ADMINS)
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
    require(actor, WEBHOOK_ADMINS)

    def work(uow: UnitOfWork) -> dict[str, Any]:
        s = uow.session
        w = s.get(WebhookSubscription, subscription_id, with_for_update=True)
        if w is None:
            raise NotFound({"what": f"订阅 {subscription_id} / webhook {subscription_id}"})
        now = uow.now()
        w.cursor, w.round, w.status = max(from_seq - 1, 0), w.round + 1, "active"
        w.consecutive_failures, w.next_attempt_at, w.updated_at = 0, None, now
        uow.audit(stream=f"webhook:{w.id}", kind="admin", name="webhook.replayed",
                  effective_date=uow.today(), payload={"from_seq": from_seq})
        view = subscription_view(w)
        return view

    return command(uow, actor, work).result


# --- delivery ----------------------------------------------------------------------------------


