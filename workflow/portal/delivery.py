"""Webhook delivery: the only network I/O of Landflow.

Events are delivered in order, signed, retried with exponential backoff and jitter, suspended
after too many failures. Delivery never holds a database transaction across the HTTP call: a
worker leases a subscription, reads its next event, lets go of the transaction, posts, then
records the outcome.

The lease (not a process lock) keeps two workers from delivering for the same subscription. Its
expiry time is also its fencing token: the holder renews it by compare-and-set in the
transaction that takes each event, matches it again when it records the outcome and when it lets
go, and stops as soon as it no longer matches. Every post has a total deadline of at most half
the lease, so the lease renewed for a post outlives it: a receiver that trickles its answer one
byte at a time cannot hold a delivery past its lease and let a second worker post the same
event.

A post goes only where ``workflow.portal.addresses`` allows: the URL's host is resolved when the
event is sent, every address it resolves to is checked, and the connection is made to a checked
address — never resolved again — with the URL's Host header and TLS verified against the URL's
host name. Redirects are never followed: a 3xx answer is a failed attempt.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import http.client
import ipaddress
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update

from workflow.access import SYSTEM
from workflow.canonical import canonical_json
from workflow.models import OutboxEvent, WebhookDelivery, WebhookSubscription, outbox
from workflow.observability.metrics import WEBHOOK_DELIVERIES
from workflow.portal.addresses import AddressPolicy, IPAddress
from workflow.portal.queries import event_item
from workflow.uow import UnitOfWork, command


@dataclass(frozen=True)
class DeliveryPolicy:
    backoff_base_s: float = 2.0
    backoff_max_s: float = 300.0
    jitter: float = 0.25  # up to +25% of the delay, so that retries of many do not align
    max_failures: int = 8
    timeout_s: float = 5.0  # any one connect, send or receive
    deadline_s: float = 20.0  # the whole post: resolution, connection, request, status line
    lease_s: float = 60.0
    batch: int = 50
    addresses: AddressPolicy = field(default_factory=AddressPolicy)

    def __post_init__(self) -> None:
        if not 0 < self.timeout_s <= self.deadline_s:
            raise ValueError("webhook timeout must be positive and within the deadline")
        # The other half of the lease covers the transactions around the post and clock drift
        # between workers.
        if self.deadline_s > self.lease_s / 2:
            raise ValueError(f"webhook deadline {self.deadline_s} s must be at most half the "
                             f"lease ({self.lease_s} s)")


def backoff(attempt: int, policy: DeliveryPolicy, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempt``-th consecutive failure (1, 2, …)."""
    base = min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (attempt - 1))
    return base * (1 + (rng or random).uniform(0, policy.jitter))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# --- one post ------------------------------------------------------------------------------------


class RefusedDestination(Exception):
    """The URL, or an address its host resolves to, is outside the address policy."""


class DeadlineExceeded(TimeoutError):
    """The post's total deadline passed."""


class _Budget:
    """The time left for one post; each socket operation may wait for what is left, and for no
    longer than the per-operation timeout."""

    def __init__(self, deadline_s: float, per_op_s: float) -> None:
        self.deadline_s = deadline_s
        self.per_op_s = per_op_s
        self._end = time.monotonic() + deadline_s

    def left(self) -> float:
        return self._end - time.monotonic()

    def next_timeout(self) -> float:
        left = self.left()
        if left <= 0:
            raise DeadlineExceeded(f"deadline of {self.deadline_s:g} s passed")
        return min(left, self.per_op_s)


class _BudgetSocket(socket.socket):
    """A socket whose every send and receive waits at most for what is left of the budget: a
    socket timeout alone bounds each operation, not their sum, and a trickling receiver answers
    each one just in time."""

    budget: _Budget | None = None

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        if self.budget is not None:
            self.settimeout(self.budget.next_timeout())
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self.budget is not None:
            self.settimeout(self.budget.next_timeout())
        return super().recv(bufsize, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        if self.budget is not None:
            self.settimeout(self.budget.next_timeout())
        super().sendall(data, flags)


class _BudgetSSLSocket(ssl.SSLSocket):
    """The same for TLS (an ``SSLContext.sslsocket_class``)."""

    budget: _Budget | None = None

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        if self.budget is not None:
            self.settimeout(self.budget.next_timeout())
        return super().recv_into(buffer, nbytes, flags)  # type: ignore[arg-type]

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        if self.budget is not None:
            self.settimeout(self.budget.next_timeout())
        return super().recv(buflen, flags)

    def send(self, data: Any, flags: int = 0) -> int:
        if self.budget is not None:
            self.settimeout(self.budget.next_timeout())
        return super().send(data, flags)


@functools.lru_cache(maxsize=4)
def tls_context(cafile: str | None = None) -> ssl.SSLContext:
    """Certificate and host name verification on (the default context), with budgeted
    sockets; made once, since loading the trust store is the costly part."""
    context = ssl.create_default_context(cafile=cafile)
    context.sslsocket_class = _BudgetSSLSocket
    return context


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to one address that was checked, for a URL whose host is a name:
    the Host header and the TLS server name stay the URL's."""

    def __init__(self, host: str, port: int, address: IPAddress, budget: _Budget,
                 tls: ssl.SSLContext | None) -> None:
        super().__init__(host, port, timeout=budget.per_op_s)
        self._address, self._budget, self._tls = address, budget, tls
        # The Host header leaves out the scheme's own port ("example.org", not ":443").
        self.default_port = 443 if tls is not None else 80

    def connect(self) -> None:
        family = socket.AF_INET6 if self._address.version == 6 else socket.AF_INET
        sock = _BudgetSocket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self._budget.next_timeout())
            sock.connect((str(self._address), self.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.budget = self._budget
            if self._tls is None:
                self.sock = sock
                return
            # The handshake as a whole waits at most this long (CPython bounds it as a whole).
            sock.settimeout(self._budget.next_timeout())
            tls = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        if isinstance(tls, _BudgetSSLSocket):
            tls.budget = self._budget
        self.sock = tls


Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class HttpPoster:
    """Posts one signed event: checked destination, pinned address, total deadline, no
    redirects. Returns the HTTP status; raises on a refused destination or a transport
    failure."""

    def __init__(self, policy: DeliveryPolicy, *, resolver: Resolver = system_resolver,
                 tls: ssl.SSLContext | None = None) -> None:
        self.policy = policy
        self.resolver = resolver
        if tls is not None:
            tls.sslsocket_class = _BudgetSSLSocket
        self.tls = tls

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        budget = _Budget(self.policy.deadline_s, self.policy.timeout_s)
        # Settings may have tightened since the subscription was made.
        problem = self.policy.addresses.url_problem(url)
        if problem:
            raise RefusedDestination(problem)
        parts = urlsplit(url)
        host = parts.hostname
        assert host is not None  # url_problem refuses a URL without one
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        addresses = self._resolve(host, port, budget)
        for address in addresses:
            problem = self.policy.addresses.address_problem(address)
            if problem:
                raise RefusedDestination(f"{host} → {problem}")
        if https and self.tls is None:
            self.tls = tls_context()
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn = self._connect(host, port, addresses, budget, self.tls if https else None)
        try:
            conn.request("POST", target, body=body, headers=headers)
            # The status line and headers are all a delivery needs; the body is never read.
            return conn.getresponse().status
        except TimeoutError as exc:
            if budget.left() <= 0 and not isinstance(exc, DeadlineExceeded):
                raise DeadlineExceeded(f"deadline of {budget.deadline_s:g} s passed") from exc
            raise
        finally:
            conn.close()

    def _resolve(self, host: str, port: int, budget: _Budget) -> list[IPAddress]:
        """The host's addresses, resolved within the budget (a resolver that hangs is left
        behind in its thread)."""
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        found: list[str] = []
        failed: list[BaseException] = []

        def run() -> None:
            try:
                found.extend(self.resolver(host, port))
            except Exception as exc:  # noqa: BLE001 - reported to the caller below
                failed.append(exc)

        worker = threading.Thread(target=run, name="webhook-resolve", daemon=True)
        worker.start()
        worker.join(max(budget.left(), 0))
        if worker.is_alive():
            raise DeadlineExceeded(f"resolving {host} took longer than the deadline of "
                                   f"{budget.deadline_s:g} s")
        if failed:
            raise failed[0]
        if not found:
            raise OSError(f"{host} resolves to no address")
        return [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]

    def _connect(self, host: str, port: int, addresses: list[IPAddress], budget: _Budget,
                 tls: ssl.SSLContext | None) -> _PinnedConnection:
        """A connection to the first checked address that answers."""
        error: OSError | None = None
        for address in addresses:
            conn = _PinnedConnection(host, port, address, budget, tls)
            try:
                conn.connect()
                return conn
            except DeadlineExceeded:
                conn.close()
                raise
            except OSError as exc:
                conn.close()
                error = exc
        assert error is not None
        raise error


Poster = Callable[[str, bytes, dict[str, str]], int]


def _matches(types: list[str]) -> Any:
    if not types or "*" in types:
        return True
    return or_(*[OutboxEvent.type.startswith(t) for t in types])


def deliver_once(uow_factory: Callable[[], UnitOfWork], policy: DeliveryPolicy,
                 post: Poster | None = None, rng: random.Random | None = None
                 ) -> dict[str, int]:
    """One pass over the subscriptions that are due; each delivers its events in order until
    it has none left, fails, or has sent a batch. Safe to run from several workers at once."""
    post = post or HttpPoster(policy)
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
        lease = _lease(uow_factory, sub_id, policy)
        if lease is not None:
            _deliver_batch(uow_factory, sub_id, lease, policy, post, rng, stats)
    return stats


def _deliver_batch(uow_factory: Callable[[], UnitOfWork], sub_id: int, lease: datetime,
                   policy: DeliveryPolicy, post: Poster, rng: random.Random | None,
                   stats: dict[str, int]) -> None:
    """Up to a batch of the subscription's events under its lease, renewed for each."""
    held: datetime | None = lease
    try:
        for _ in range(policy.batch):
            outcome, held = _deliver_next(uow_factory, sub_id, lease, policy, post, rng)
            if held is None or outcome is None:
                break
            lease = held
            stats[outcome] += 1
            WEBHOOK_DELIVERIES.labels(outcome).inc()
            if outcome != "delivered":
                break
    finally:
        if held is not None:
            _release(uow_factory, sub_id, held)


# The outcome of a worker that found its lease taken: it records nothing and stops.
LOST = "lost"


def _lease(uow_factory: Callable[[], UnitOfWork], sub_id: int, policy: DeliveryPolicy
           ) -> datetime | None:
    """Take the subscription's lease if it is free or expired; the lease's expiry time is the
    token the holder shows to renew it, record under it and release it."""
    def work(uow: UnitOfWork) -> datetime | None:
        now = uow.now()
        until = now + timedelta(seconds=policy.lease_s)
        got = uow.session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == sub_id,
                   or_(WebhookSubscription.lease_until.is_(None),
                       WebhookSubscription.lease_until < now))
            .values(lease_until=until)
            .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
        return until if got else None

    return command(uow_factory(), SYSTEM, work).result


def _renew(uow: UnitOfWork, sub_id: int, token: datetime, policy: DeliveryPolicy
           ) -> datetime | None:
    """Extend a lease still held under ``token``; None if another worker holds it now."""
    until = uow.now() + timedelta(seconds=policy.lease_s)
    got = uow.session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == sub_id, WebhookSubscription.lease_until == token)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    return until if got else None


def _release(uow_factory: Callable[[], UnitOfWork], sub_id: int, token: datetime) -> None:
    """Let go of the lease — only if it is still ours: a worker that lost it must not free the
    lease of the one that took it over."""
    def work(uow: UnitOfWork) -> None:
        uow.session.execute(update(WebhookSubscription)
                            .where(WebhookSubscription.id == sub_id,
                                   WebhookSubscription.lease_until == token)
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


def _next_attempt(uow: UnitOfWork, sub_id: int, token: datetime, policy: DeliveryPolicy
                  ) -> tuple[_Attempt | None, datetime | None]:
    """Renew the lease for one more post, then the subscription's next event and its delivery
    row (made on the first attempt). (None, None) when the lease was lost."""
    renewed = _renew(uow, sub_id, token, policy)
    if renewed is None:
        return None, None
    s = uow.session
    w = s.get(WebhookSubscription, sub_id)
    if w is None or w.status != "active":
        return None, renewed
    if w.next_attempt_at is not None and w.next_attempt_at > uow.now():
        return None, renewed
    event = s.execute(select(OutboxEvent).where(OutboxEvent.seq > w.cursor, outbox.readable(),
                                                _matches(w.event_types))
                      .order_by(OutboxEvent.seq).limit(1)).scalar_one_or_none()
    if event is None:
        return None, renewed
    delivery = s.execute(select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == sub_id, WebhookDelivery.event_seq == event.seq,
        WebhookDelivery.round == w.round)).scalar_one_or_none()
    if delivery is None:
        delivery = WebhookDelivery(subscription_id=sub_id, event_seq=event.seq,
                                   round=w.round, status="pending", attempts=0)
        s.add(delivery)
        s.flush()
    return _Attempt(w.url, w.secret, w.round, event_item(event), delivery.id), renewed


def _record_outcome(uow: UnitOfWork, sub_id: int, attempt: _Attempt, token: datetime,
                    status: int | None, error: str | None, policy: DeliveryPolicy,
                    rng: random.Random | None) -> str:
    s = uow.session
    w = s.get(WebhookSubscription, sub_id, with_for_update=True)
    d = s.get(WebhookDelivery, attempt.delivery_id)
    assert w is not None and d is not None
    if w.lease_until != token:
        # Taken over: the new holder delivers this event again and records it.
        return LOST
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


def _deliver_next(uow_factory: Callable[[], UnitOfWork], sub_id: int, token: datetime,
                  policy: DeliveryPolicy, post: Poster, rng: random.Random | None
                  ) -> tuple[str | None, datetime | None]:
    """Deliver one event: renew the lease and take the event (one transaction), post it (none),
    record the outcome (another). Returns the outcome and the lease token now held."""
    attempt, lease = command(uow_factory(), SYSTEM,
                             lambda uow: _next_attempt(uow, sub_id, token, policy)).result
    if lease is None:
        return LOST, None
    if attempt is None:
        return None, lease
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
        status = post(attempt.url, body, headers)
        if 300 <= status < 400:
            error = f"HTTP {status}: redirects are not followed"
        elif not 200 <= status < 300:
            error = f"HTTP {status}"
    except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt
        error = f"{type(exc).__name__}: {exc}"[:500]
    outcome = command(uow_factory(), SYSTEM,
                      lambda uow: _record_outcome(uow, sub_id, attempt, lease, status, error,
                                                  policy, rng)).result
    return outcome, (None if outcome == LOST else lease)


def run_worker(uow_factory: Callable[[], UnitOfWork], policy: DeliveryPolicy, *,
               interval_s: float = 1.0, stop: Callable[[], bool] = lambda: False,
               on_pass: Callable[[dict[str, int]], None] | None = None) -> None:
    post = HttpPoster(policy)
    while not stop():
        stats = deliver_once(uow_factory, policy, post)
        if on_pass:
            on_pass(stats)
        time.sleep(interval_s)
