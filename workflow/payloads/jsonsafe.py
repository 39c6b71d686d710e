"""JSON as Landflow accepts it: what the standard parser lets through but no database, hash or
client can carry is refused here, with the path of every offending value.

Python's ``json`` reads ``NaN``, ``Infinity`` and ``1e309`` (which overflows to infinity) and
keeps the last of repeated keys; it reads ``"\\u0000"`` and a lone ``"\\ud800"``, which
PostgreSQL and UTF-8 cannot store. ``loads`` parses a document and refuses all of these;
``json_problems`` checks an already parsed value (a field of a payload, an import row) the
same way, bounded in depth and size, without recursion.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

# Deeper than any document the contract describes (GeoJSON collections included), shallow
# enough that the recursive code downstream (hashing, encoding, the database) never hits
# Python's recursion limit.
MAX_DEPTH = 64
MAX_PROBLEMS = 20
# A NUL or a lone surrogate: nothing downstream can store it.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JSONRefused(ValueError):
    """The document parsed, but holds values Landflow refuses; ``errors`` maps the path of
    each (dotted, list items by index) to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class _NonFinite:
    """What ``NaN``, ``Infinity`` or an overflowing number parses to, until it is reported."""

    def __init__(self, token: str) -> None:
        self.token = token


class _RepeatedKeys(dict[str, Any]):
    repeated: tuple[str, ...] = ()


def _constant(token: str) -> _NonFinite:
    return _NonFinite(token)


def _float(token: str) -> float | _NonFinite:
    number = float(token)
    return number if math.isfinite(number) else _NonFinite(token)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    repeated: list[str] = []
    for key, _ in pairs:
        if key in seen:
            repeated.append(key)
        seen.add(key)
    marked = _RepeatedKeys(obj)
    marked.repeated = tuple(repeated)
    return marked


_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_float,
                            object_pairs_hook=_object)


def loads(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``text``; raise ``JSONRefused`` naming every value Landflow refuses, and
    ``ValueError`` (``json.JSONDecodeError`` when the text is not JSON at all) otherwise."""
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise ValueError("嵌套过深 / nested too deeply") from None
    return _checked(value, max_depth)


def raw_decode(text: str, pos: int, *, max_depth: int = MAX_DEPTH) -> tuple[Any, int]:
    """The value that starts at ``pos`` and where it ends, refused like ``loads``."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except RecursionError:
        raise ValueError("嵌套过深 / nested too deeply") from None
    return _checked(value, max_depth), end


def _checked(value: Any, max_depth: int) -> Any:
    errors = json_problems(value, max_depth=max_depth)
    if errors:
        raise JSONRefused(errors)
    return value


def json_problems(value: Any, *, max_depth: int = MAX_DEPTH, max_nodes: int | None = None,
                  prefix: str = "") -> dict[str, list[str]]:
    """Every refused value in ``value`` by its path (at most ``MAX_PROBLEMS``): non-finite
    numbers, repeated keys, text a database cannot store, non-JSON types, nesting deeper than
    ``max_depth`` and, with ``max_nodes``, more values than that."""
    errors: dict[str, list[str]] = {}
    for path, message in _walk(value, max_depth, max_nodes, prefix):
        errors.setdefault(path or "_schema", []).append(message)
        if len(errors) >= MAX_PROBLEMS:
            break
    return errors


def _walk(root: Any, max_depth: int, max_nodes: int | None, prefix: str
          ) -> Iterator[tuple[str, str]]:
    stack: list[tuple[str, Any, int]] = [(prefix, root, 0)]
    nodes = 0
    while stack:
        path, value, depth = stack.pop()
        nodes += 1
        if max_nodes is not None and nodes > max_nodes:
            yield prefix, f"过大 / more than {max_nodes} values"
            return
        if isinstance(value, str):
            if UNSTORABLE.search(value):
                yield path, "含空字符或孤立代理项 / contains NUL or a lone surrogate"
        elif isinstance(value, (bool, int)) or value is None:
            pass
        elif isinstance(value, (float, Decimal)):
            if not math.isfinite(value):
                yield path, "须为有限数 / must be a finite number"
        elif isinstance(value, _NonFinite):
            yield path, f"须为有限数 / must be a finite number, not {value.token[:20]}"
        elif isinstance(value, (dict, list, tuple)):
            if depth >= max_depth:
                yield path, f"嵌套过深 / nested deeper than {max_depth} levels"
                continue
            yield from _children(path, value, depth, stack)
        else:
            yield path, f"不是 JSON 值 / not a JSON value ({type(value).__name__})"


def _children(path: str, value: dict[str, Any] | list[Any] | tuple[Any, ...], depth: int,
              stack: list[tuple[str, Any, int]]) -> Iterator[tuple[str, str]]:
    join = f"{path}." if path else ""
    if isinstance(value, dict):
        for key in getattr(value, "repeated", ()):
            yield f"{join}{key}", "键重复 / repeated key"
        for key, item in value.items():
            if not isinstance(key, str) or UNSTORABLE.search(key):
                yield path, "键须为可存储的文本 / keys must be storable text"
                continue
            stack.append((f"{join}{key}", item, depth + 1))
    else:
        for i, item in enumerate(value):
            stack.append((f"{join}{i}", item, depth + 1))
