"""A fast path for loading flat rows with a marshmallow schema, compiled from the schema itself.

Bulk imports validate hundreds of thousands of rows; marshmallow spends most of that time in its
generic machinery. ``FastLoader`` reads the schema's own field declarations (types, lengths,
ranges, choices, defaults) and checks an ordinary row with a few plain function calls. Anything
it is not certain about — a missing required field, an unknown key, an unusual spelling of a
value, a value out of range — goes to the schema's real ``load``, so every error a caller sees
is marshmallow's own, and the result of the fast path equals the schema's (a property test keeps
them equal).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, missing, validate

from workflow.payloads.fields import (
    _PLAIN_AMOUNT,
    CENT,
    CONTROL_CHARACTERS,
    Amount,
    Day,
    FreeJSON,
    _no_control_characters,
    date_window,
)
from workflow.payloads.jsonsafe import json_problems

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DIGITS = re.compile(r"^-?[0-9]{1,9}$")


class _Unsure(Exception):
    """The fast path declines; the schema decides."""


def _length(field: fields.Field) -> tuple[int, int]:
    lo, hi = 0, 10**9
    for v in field.validators:
        if isinstance(v, validate.Length):
            lo = v.min if v.min is not None else (v.equal or 0)
            hi = v.max if v.max is not None else (v.equal or hi)
    return lo, hi


def _compile(field: fields.Field) -> Callable[[Any], Any] | None:
    validators = list(field.validators)
    if isinstance(field, Amount):
        minimum, maximum = field.minimum, field.maximum

        def amount(v: Any) -> Decimal:
            if type(v) is not str or not _PLAIN_AMOUNT.match(v):
                raise _Unsure
            d = Decimal(v)
            if not minimum <= d <= maximum:
                raise _Unsure
            # Two places written (the usual spelling): already what quantize would give.
            return d if v[-3:-2] == "." else d.quantize(CENT)

        return amount if not validators else None
    if type(field) is fields.String:
        lo, hi = _length(field)
        choices = next((v.choices for v in validators if isinstance(v, validate.OneOf)), None)
        known = all(isinstance(v, (validate.Length, validate.OneOf))
                    or v is _no_control_characters for v in validators)
        if not known:
            return None
        check_control = any(v is _no_control_characters for v in validators)

        def string(v: Any) -> str:
            if type(v) is not str or not lo <= len(v) <= hi:
                raise _Unsure
            if choices is not None and v not in choices:
                raise _Unsure
            if check_control and CONTROL_CHARACTERS.search(v):
                raise _Unsure
            return v

        return string
    if type(field) is Day:
        if validators:
            return None
        earliest, latest = date_window()

        def day(v: Any) -> date:
            if type(v) is not str or not _ISO_DATE.match(v):
                raise _Unsure
            try:
                d = date.fromisoformat(v)
            except ValueError:
                raise _Unsure from None
            if not earliest <= d <= latest:
                raise _Unsure
            return d

        return day
    if type(field) is fields.Integer:
        ranges = [v for v in validators if isinstance(v, validate.Range)]
        if len(ranges) != len(validators):
            return None

        strict = field.strict

        def integer(v: Any) -> int:
            if type(v) is str and not strict and _DIGITS.match(v):
                n = int(v)
            elif type(v) is int:
                n = v
            else:
                raise _Unsure
            for r in ranges:
                if (r.min is not None and n < r.min) or (r.max is not None and n > r.max):
                    raise _Unsure
            return n

        return integer
    if type(field) is fields.Boolean:
        if validators:
            return None

        def boolean(v: Any) -> bool:
            if v is True or v == "true":
                return True
            if v is False or v == "false":
                return False
            raise _Unsure

        return boolean
    if type(field) is FreeJSON and field.key_field is None and field.value_field is None:
        depth, nodes = field.max_depth, field.max_nodes

        def mapping(v: Any) -> dict[str, Any]:
            if type(v) is not dict or json_problems(v, max_depth=depth, max_nodes=nodes):
                raise _Unsure
            for check in validators:
                try:
                    check(v)
                except Exception:  # noqa: BLE001 - let the schema report it
                    raise _Unsure from None
            return v

        return mapping
    return None


class FastLoader:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.fields: list[tuple[str, Callable[[Any], Any], bool, Any, bool]] = []
        self.complete = True
        for name, field in schema.fields.items():
            compiled = _compile(field)
            if compiled is None or field.data_key not in (None, name):
                self.complete = False
                continue
            default = field.load_default
            self.fields.append((name, compiled, field.required, default, field.allow_none))
        self.names = {f[0] for f in self.fields}
        # Schema-level validators and hooks cannot be compiled: then every row is the schema's.
        hooks = getattr(schema, "_hooks", {})
        if any(hooks.get(k) for k in hooks):
            self.complete = False

    def load(self, row: dict[str, Any]) -> dict[str, Any]:
        if self.complete:
            try:
                return self._fast(row)
            except _Unsure:
                pass
        return dict(self.schema.load(row))

    def _fast(self, row: dict[str, Any]) -> dict[str, Any]:
        for key in row:
            if key not in self.names:
                raise _Unsure
        out: dict[str, Any] = {}
        for name, parse, required, default, allow_none in self.fields:
            if name in row:
                value = row[name]
                if value is None:
                    if not allow_none:
                        raise _Unsure
                    out[name] = None
                else:
                    out[name] = parse(value)
            elif required:
                raise _Unsure
            elif default is not missing:
                out[name] = default() if callable(default) else default
        return out
