"""Pairing occupied farmland with compensation credits (占一补一、占优补优、占水田补水田).

Pure arithmetic over plain values, so that it can be tested exhaustively: the rule decides which
credits are eligible and in which order; this module decides how much of each to take.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass
class Available:
    key: object  # a credit id, or a marker for a credit still to be created from a land ticket
    area_m2: Decimal
    paddy_m2: Decimal
    grade: int


@dataclass(frozen=True)
class Take:
    key: object
    area_m2: Decimal
    paddy_m2: Decimal


@dataclass(frozen=True)
class Plan:
    takes: tuple[Take, ...]
    paired_area_m2: Decimal
    paired_paddy_m2: Decimal

    def covers(self, area_m2: Decimal, paddy_m2: Decimal) -> bool:
        return self.paired_area_m2 >= area_m2 and self.paired_paddy_m2 >= paddy_m2


def plan_pairing(need_area: Decimal, need_paddy: Decimal, pool: list[Available]) -> Plan:
    """Take paddy first where paddy is needed (a paddy square metre also counts as area), then
    dry area, using a credit's paddy as plain area only when nothing else is left. Credits are
    used in the order given; the plan never takes more than a credit has."""
    area_left = {c.key: c.area_m2 for c in pool}
    paddy_left = {c.key: c.paddy_m2 for c in pool}
    taken: dict[object, list[Decimal]] = {}

    def take(key: object, area: Decimal, paddy: Decimal) -> None:
        area_left[key] -= area
        paddy_left[key] -= paddy
        slot = taken.setdefault(key, [ZERO, ZERO])
        slot[0] += area
        slot[1] += paddy

    paddy_needed, area_needed = need_paddy, need_area
    for c in pool:  # 1. paddy for paddy
        if paddy_needed <= 0:
            break
        t = min(paddy_left[c.key], paddy_needed)
        if t > 0:
            take(c.key, t, t)
            paddy_needed -= t
            area_needed -= t
    for c in pool:  # 2. the rest of the area from dry land
        if area_needed <= 0:
            break
        dry = area_left[c.key] - paddy_left[c.key]
        t = min(dry, area_needed)
        if t > 0:
            take(c.key, t, ZERO)
            area_needed -= t
    for c in pool:  # 3. and from paddy credits if dry land ran out (better land is allowed)
        if area_needed <= 0:
            break
        t = min(paddy_left[c.key], area_needed)
        if t > 0:
            take(c.key, t, t)
            area_needed -= t
    takes = tuple(Take(c.key, taken[c.key][0], taken[c.key][1]) for c in pool if c.key in taken)
    return Plan(takes, sum((t.area_m2 for t in takes), ZERO),
                sum((t.paddy_m2 for t in takes), ZERO))
