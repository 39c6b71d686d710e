"""登: no certificate until the land price and any idle-land fee are paid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.rules.helpers import make_ctx, make_parcel, rec, refusals

PRICE = Decimal("5000000.00")


def registering(records: list, on: str = "2025-10-10", **parcel):
    parcel = {"state": "inspected", "price_yuan": PRICE, **parcel}
    return make_ctx("register", parcel=make_parcel(**parcel), records=records,
                    effective_date=on)


def pay(on: str, amount: str, purpose: str | None = None):
    details = {"amount_yuan": amount} if purpose is None else {"amount_yuan": amount,
                                                               "purpose": purpose}
    return rec("payment", on, **details)


def test_the_land_price_paid_in_two_instalments():
    ctx = registering([pay("2023-06-01", "2500000.00"),
                       pay("2024-05-01", "2500000.00", "land_price")])
    assert refusals("land_price_fully_paid", ctx) == []


@pytest.mark.parametrize("records", [
    [],
    [pay("2023-06-01", "4999999.99")],  # one fen short
    [pay("2023-06-01", "2500000.00"), pay("2025-10-11", "2500000.00")],  # after the step
    [pay("2023-06-01", "2500000.00"), pay("2024-05-01", "2500000.00", "idle_fee")],
])
def test_the_land_price_not_paid_in_full(records):
    ctx = registering(records)
    assert refusals("land_price_fully_paid", ctx) == ["PAYMENT_OUTSTANDING"]


def test_the_outstanding_amount_is_named():
    ctx = registering([pay("2023-06-01", "2500000.00")])
    refusals("land_price_fully_paid", ctx)
    details = ctx.violations[0].details
    assert (details["paid_yuan"], details["outstanding_yuan"]) == ("2500000.00", "2500000.00")


def test_no_price_no_payment_due():
    assert refusals("land_price_fully_paid", registering([], price_yuan=None)) == []


@pytest.mark.parametrize("fee", [None, Decimal("0.00")])
def test_no_idle_fee_nothing_to_pay(fee):
    assert refusals("idle_fee_fully_paid", registering([], idle_fee_yuan=fee)) == []


@pytest.mark.parametrize(("records", "expected"), [
    ([pay("2024-01-05", "1000000.00", "idle_fee")], []),
    ([pay("2024-01-05", "999999.99", "idle_fee")], ["PAYMENT_OUTSTANDING"]),
    ([pay("2024-01-05", "1000000.00")], ["PAYMENT_OUTSTANDING"]),  # that is land price
])
def test_an_idle_fee_is_paid_in_full(records, expected):
    ctx = registering(records, idle_fee_yuan=Decimal("1000000.00"))
    assert refusals("idle_fee_fully_paid", ctx) == expected
    if expected:
        assert ctx.violations[0].details["what_en"] == "Idle-land fee"
