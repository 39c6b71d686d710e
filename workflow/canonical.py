"""The one JSON encoding: what the audit chain hashes, idempotency digests, and what JSON columns
store. Decimals are strings as written, dates ``YYYY-MM-DD``, datetimes UTC ISO 8601 with
microseconds, sets lists. ``canonical_json`` sorts keys and drops whitespace (for hashing);
``storage_json`` keeps key order (a stored response replays as it was first sent)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson

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


def canonical_json_std(obj: Any) -> str:
    """The definition of the canonical encoding (the standard library's C encoder)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_default)


# orjson writes what ``canonical_json_std`` writes (same escapes, same key order, same shortest
# float digits) except for floats below 1e-4, which it spells without an exponent or with a
# one-digit one (0.00001, 1e-7 for 1e-05, 1e-07). Output with either pattern anywhere (a
# string holding one included) is written again by the definition. Values orjson would write
# differently from the definition or not at all — subclasses of str, int, dict, list (enums),
# dataclasses, integers past 64 bits, non-string keys, nesting past 254 — go to the definition
# too (through ``default``, which refuses them, or orjson's own refusal).
_ORJSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS)
_SMALL_FLOAT = re.compile(rb"e-[1-9](?![0-9])|0\.0000")


def canonical_json(obj: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text; decimals and dates as ``plain`` writes them —
    exactly ``canonical_json_std`` (a property test keeps them equal), written by orjson where
    that gives the same text."""
    try:
        out = orjson.dumps(obj, default=_json_default, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return canonical_json_std(obj)
    if _SMALL_FLOAT.search(out):
        return canonical_json_std(obj)
    return out.decode("utf-8")


def storage_json(obj: Any) -> str:
    """The serializer of JSON columns: key order kept, UTF-8 text."""
    return json.dumps(obj, ensure_ascii=False, default=_json_default)


def money(value: Decimal | None) -> str | None:
    """An amount (m² or yuan) as the contract writes it: a decimal string with two places."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))
