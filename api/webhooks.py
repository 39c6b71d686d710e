"""/webhooks: subscriptions (admin), allowed hosts, deliveries, replay."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.auth import current_actor
from api.base import Blueprint, runtime
from workflow.portal import webhooks
from workflow.portal.addresses import AddressPolicy
from workflow.portal.schemas import AllowedHostSchema, SubscriptionSchema

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="Signed webhooks for the portal and others")


class SubscriptionOut(Schema):
    id = fields.Integer()
    url = fields.String()
    event_types = fields.List(fields.String())
    status = fields.String()
    cursor = fields.Integer()
    round = fields.Integer()
    consecutive_failures = fields.Integer()
    next_attempt_at = fields.String(allow_none=True)
    secret = fields.String(metadata={"description": "Only in the creation response"})


class SubscriptionList(Schema):
    items = fields.List(fields.Nested(SubscriptionOut))
    total = fields.Integer()


class HostOut(Schema):
    id = fields.Integer()
    host = fields.String()


class HostList(Schema):
    items = fields.List(fields.Nested(HostOut))
    total = fields.Integer()


class DeliveryOut(Schema):
    id = fields.Integer()
    event_seq = fields.Integer()
    round = fields.Integer()
    status = fields.String()
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.String(allow_none=True)


class DeliveryList(Schema):
    items = fields.List(fields.Nested(DeliveryOut))
    total = fields.Integer()


class ReplayArgs(Schema):
    from_ = fields.Integer(data_key="from", required=True,
                           validate=validate.Range(min=1, max=2**62))


def _addresses() -> AddressPolicy:
    s = runtime().settings
    return AddressPolicy.from_strings(s.webhook_private_networks, s.webhook_ports)


@blp.route("/allowed-hosts", methods=["POST"])
@blp.arguments(AllowedHostSchema)
@blp.response(201, HostOut)
def allow_host(body: dict[str, Any]) -> Any:
    """Allow webhooks to a host (admin)."""
    return webhooks.allow_host(runtime().uow(), current_actor(), body["host"],
                               _addresses()), 201


@blp.route("/allowed-hosts", methods=["GET"])
@blp.response(200, HostList)
def list_hosts() -> Any:
    """Hosts webhooks may be sent to (admin)."""
    return webhooks.list_allowed_hosts(runtime().reader(), current_actor())


@blp.route("", methods=["POST"])
@blp.arguments(SubscriptionSchema)
@blp.response(201, SubscriptionOut)
def subscribe(body: dict[str, Any]) -> Any:
    """Subscribe a URL on an allowed host to event types (admin); the secret is shown once."""
    return webhooks.create_subscription(runtime().uow(), current_actor(), body,
                                        _addresses()), 201


@blp.route("", methods=["GET"])
@blp.response(200, SubscriptionList)
def list_subscriptions() -> Any:
    """Subscriptions with their cursor and health (admin)."""
    return webhooks.list_subscriptions(runtime().reader(), current_actor())


@blp.route("/<int:webhook_id>/deliveries", methods=["GET"])
@blp.response(200, DeliveryList)
def list_deliveries(webhook_id: int) -> Any:
    """Recent deliveries: status, attempts, last error (admin)."""
    return webhooks.deliveries(runtime().reader(), current_actor(), webhook_id)


@blp.route("/<int:webhook_id>/replay", methods=["POST"])
@blp.arguments(ReplayArgs, location="query", as_kwargs=True)
@blp.response(200, SubscriptionOut)
def replay(webhook_id: int, from_: int) -> Any:
    """Send every matching event again from `from` on (admin); reactivates a suspended
    subscription."""
    return webhooks.replay(runtime().uow(), current_actor(), webhook_id, from_)
