"""Where webhooks may go: the address and port policy.

A webhook URL is a request the server makes on an admin's word, so it must not reach what only
the server can reach (server-side request forgery). The policy is checked when an admin allows a
host and when a subscription is made — early, friendly refusals — and, the check that counts, by
``workflow.portal.delivery`` on every address a name resolves to at send time, since a name can
be pointed anywhere after it was allowed.

- Public unicast addresses are allowed. Loopback, private, link-local, shared (100.64.0.0/10) and
  every other non-global address only inside a network the operator lists
  (``LANDFLOW_WEBHOOK_PRIVATE_NETWORKS``, e.g. the county's e-government extranet).
- Cloud metadata endpoints, the unspecified address and multicast are never allowed, listed or
  not: nothing that receives webhooks lives there.
- Addresses embedded in IPv6 (IPv4-mapped, NAT64, 6to4) are judged as the IPv4 address they
  reach.
- A numeric host must be written as a dotted-quad IPv4 address: resolvers read ``0x7f000001``,
  ``2130706433`` or ``0177.1`` as 127.0.0.1 while a list of names reads them as names.
- Ports: only those the operator lists (``LANDFLOW_WEBHOOK_PORTS``, default 80, 443, 8080, 8443),
  so that a webhook cannot be aimed at a database or mail port.

No network I/O here: resolution is the delivery module's.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = "80,443,8080,8443"

# Instance metadata services (AWS, Azure, GCP, Huawei, OpenStack; Tencent Cloud; AWS ECS; Alibaba
# Cloud; AWS over IPv6). They hand out credentials to whoever asks from inside the machine.
METADATA = tuple(ipaddress.ip_network(n) for n in (
    "169.254.169.254/32", "169.254.0.23/32", "169.254.170.2/32", "100.100.100.200/32",
    "fd00:ec2::254/128"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# WHATWG URL: a host whose last label is a number is an IPv4 address, in any of the legacy
# spellings (hex, octal, fewer than four parts).
_NUMERIC_LABEL = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")


def parse_networks(spec: str) -> tuple[IPNetwork, ...]:
    """``"127.0.0.0/8, 10.20.0.0/16"`` → networks; raises ValueError on a bad entry."""
    return tuple(ipaddress.ip_network(p.strip(), strict=True) for p in spec.split(",")
                 if p.strip())


def parse_ports(spec: str) -> tuple[tuple[int, int], ...]:
    """``"80,443,8000-8999"`` → inclusive ranges; raises ValueError on a bad entry."""
    ranges = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        low, _, high = part.partition("-")
        lo, hi = int(low), int(high or low)
        if not 1 <= lo <= hi <= 65535:
            raise ValueError(f"bad port range {part!r}")
        ranges.append((lo, hi))
    return tuple(ranges)


def numeric_host_problem(host: str) -> str | None:
    """A host that a resolver would read as an IPv4 address, unless it is written as one."""
    labels = host.rstrip(".").split(".")
    if not _NUMERIC_LABEL.match(labels[-1]):
        return None
    try:
        if str(ipaddress.IPv4Address(host)) == host:
            return None
    except ValueError:
        pass
    return ("数字地址须写成点分十进制 IPv4 地址 / a numeric host must be a dotted-quad IPv4 "
            "address such as 203.0.113.5")


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _reached(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address forwards to, if it embeds one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses and ports webhooks may be sent to; the default allows public addresses
    on the standard web ports only."""

    private_networks: tuple[IPNetwork, ...] = ()
    ports: tuple[tuple[int, int], ...] = field(default_factory=lambda: parse_ports(DEFAULT_PORTS))

    @classmethod
    def from_strings(cls, private_networks: str = "", ports: str = DEFAULT_PORTS
                     ) -> AddressPolicy:
        return cls(parse_networks(private_networks), parse_ports(ports))

    def address_problem(self, address: IPAddress) -> str | None:
        """Why a webhook may not be sent to ``address``, or None."""
        address = _reached(address)
        if any(address in n for n in METADATA if n.version == address.version):
            return f"云元数据地址 {address} / {address} is a cloud metadata address"
        if address.is_unspecified or address.is_multicast:
            return f"地址 {address} 不可用于回调 / {address} cannot receive webhooks"
        if address.is_global:
            return None
        if any(address in n for n in self.private_networks if n.version == address.version):
            return None
        return (f"内网、回环或链路本地地址 {address} 未经运维许可 / {address} is a private, "
                "loopback or link-local address not allowed by LANDFLOW_WEBHOOK_PRIVATE_NETWORKS")

    def port_problem(self, port: int) -> str | None:
        if any(lo <= port <= hi for lo, hi in self.ports):
            return None
        allowed = ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ports)
        return f"端口 {port} 未获准（允许 {allowed}）/ port {port} is not allowed ({allowed})"

    def host_problem(self, host: str) -> str | None:
        """Why ``host`` cannot be allowed, judged without resolving it: numeric spellings,
        address literals, and ``localhost`` (RFC 6761: always loopback)."""
        host = host.lower().rstrip(".")
        problem = numeric_host_problem(host)
        if problem:
            return problem
        literal = _literal(host)
        if literal is not None:
            return self.address_problem(literal)
        if host == "localhost" or host.endswith(".localhost"):
            return self.address_problem(ipaddress.IPv4Address("127.0.0.1"))
        return None

    def url_problem(self, url: str) -> str | None:
        """Why a webhook may not be sent to ``url`` (its name not yet resolved), or None."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return "不是有效的地址 / not a valid URL"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "须为 http(s) 地址 / must be an http(s) URL"
        if parts.username is not None or parts.password is not None:
            return "不得包含凭据 / must not carry credentials"
        if port is None:
            port = 443 if parts.scheme == "https" else 80
        return self.port_problem(port) or self.host_problem(parts.hostname)
