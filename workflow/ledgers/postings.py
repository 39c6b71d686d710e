"""Posting to the quota ledger: the one function that moves a balance.

Every change of a quota balance — an allocation, a transfer, a deduction at approval, a land
ticket redeemed, a release — is one immutable entry written here against an account row the
caller has locked (lock order: parcel, then accounts by id). The balance never goes below zero:
the database CHECK would refuse it; refusing here names the field instead.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from workflow.errors import ValidationFailed
from workflow.models import QuotaAccount, QuotaEntry


def post_quota(session: Session, account: QuotaAccount, kind: str, amount: Decimal, *,
               effective_date: date, now: datetime, audit_event_id: int | None,
               parcel_id: int | None = None, document_no: str | None = None,
               land_ticket_id: int | None = None, reverses: QuotaEntry | None = None,
               counterparty: int | None = None) -> QuotaEntry:
    """Append one entry and move the locked account's balance with it."""
    balance = account.balance_m2 + amount
    if balance < 0:
        raise ValidationFailed({"amount_m2": [
            f"余额不足 / balance {account.balance_m2} m² is less than {-amount} m²"]})
    account.balance_m2 = balance
    entry = QuotaEntry(
        account_id=account.id, kind=kind, amount_m2=amount, balance_after_m2=balance,
        parcel_id=parcel_id, audit_event_id=audit_event_id, document_no=document_no,
        land_ticket_id=land_ticket_id,
        reverses_entry_id=reverses.id if reverses is not None else None,
        counterparty_account_id=counterparty, effective_date=effective_date, created_at=now,
    )
    session.add(entry)
    return entry
