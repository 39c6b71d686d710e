"""The one JSON encoding: what the audit chain hashes, idempotency digests, and what JSON columns
store. Decimals are strings as written, dates ``YYYY-MM-DD``, datetimes UTC ISO 8601 with
microseconds, sets lists. ``canonical_json`` sorts keys and drops whitespace (for hashing);
``storage_json`` keeps key order (a stored response replays as it was first sent)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

_SCALARS = (str, int, float, bool, type(None))


def _plain(obj: Any) -> Any:
    if type(obj) in _SCALARS:
        return obj
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, datetime):
        return obj.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_plain(v) for v in obj]
    return obj


def plain(obj: Any) -> Any:
    """The JSON-safe form used everywhere an object is stored or hashed."""
    return _plain(obj)


def _json_default(obj: Any) -> Any:
    """What JSON cannot say itself, said the way ``plain`` says it."""
    if isinstance(obj, (Decimal, datetime, date)):
        return _plain(obj)
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def canonical_json(obj: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text; decimals and dates as ``plain`` writes them. The
    encoding runs in the C encoder; only the few non-JSON values call back into Python."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_default)


def storage_json(obj: Any) -> str:
    """The serializer of JSON columns: key order kept, UTF-8 text."""
    return json.dumps(obj, ensure_ascii=False, default=_json_default)


def money(value: Decimal | None) -> str | None:
    """An amount (m² or yuan) as the contract writes it: a decimal string with two places."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))
