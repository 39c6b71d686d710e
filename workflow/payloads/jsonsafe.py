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
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain
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


# Floats are read by the C parser: 1e309 becomes inf, which the walk refuses like NaN.
_DECODER = json.JSONDecoder(parse_constant=_constant, object_pairs_hook=_object)


def loads(text: str, *, max_depth: int = MAX_DEPTH, check: bool = True) -> Any:
    """Parse ``text``; raise ``JSONRefused`` naming every value Landflow refuses, and
    ``ValueError`` (``json.JSONDecodeError`` when the text is not JSON at all) otherwise.

    ``check=False`` only parses, leaving NaN, Infinity and repeated keys marked for
    ``json_problems``: for a value that goes straight into a field that checks it anyway
    (``FreeJSON``), so that a bulk import walks each geometry once, not twice."""
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise ValueError("嵌套过深 / nested too deeply") from None
    return _checked(value, max_depth) if check else value


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


_UNSTORABLE_TEXT = "含空字符或孤立代理项 / contains NUL or a lone surrogate"
_NOT_FINITE = "须为有限数 / must be a finite number"
_BAD_KEY = "键须为可存储的文本 / keys must be storable text"
_CONTAINERS = (dict, list, tuple)
# A place in the document: (the parent's place, key), the root None; spelt out only when a
# problem is reported, so that walking a large clean document builds no strings.
_Place = tuple[Any, Any] | None


def _walk(root: Any, max_depth: int, max_nodes: int | None, prefix: str
          ) -> Iterator[tuple[str, str]]:
    top: _Place = (None, prefix) if prefix else None
    if not isinstance(root, _CONTAINERS):
        if (message := _scalar_problem(root)) is not None:
            yield prefix, message
        return
    stack: list[tuple[Any, int, _Place]] = [(root, 0, top)]
    nodes = 1
    while stack:
        value, depth, place = stack.pop()
        if depth >= max_depth:
            yield _spelt(place), f"嵌套过深 / nested deeper than {max_depth} levels"
            continue
        nodes += len(value)
        if max_nodes is not None and nodes > max_nodes:
            yield prefix, f"过大 / more than {max_nodes} values"
            return
        items: Iterable[tuple[Any, Any]] = enumerate(value)
        if not isinstance(value, dict):
            # Coordinates, and rings of them: checked in C, with nothing inside to walk.
            if _all_finite_numbers(value):
                continue
            if depth + 1 < max_depth and _all_lists_of_finite_numbers(value):
                nodes += sum(map(len, value))
                if max_nodes is not None and nodes > max_nodes:
                    yield prefix, f"过大 / more than {max_nodes} values"
                    return
                continue
        if isinstance(value, dict):
            for key in getattr(value, "repeated", ()):
                yield _spelt((place, key)), "键重复 / repeated key"
            bad = [k for k in value if not isinstance(k, str) or UNSTORABLE.search(k)]
            if bad:
                yield _spelt(place), _BAD_KEY
            items = [(k, v) for k, v in value.items() if k not in bad] if bad else value.items()
        for key, item in items:
            if isinstance(item, _CONTAINERS):
                stack.append((item, depth + 1, (place, key)))
            elif (message := _scalar_problem(item)) is not None:
                yield _spelt((place, key)), message


def _all_finite_numbers(values: list[Any] | tuple[Any, ...]) -> bool:
    try:
        return all(map(math.isfinite, values))
    except (TypeError, ValueError, OverflowError):  # text, containers, markers, huge ints
        return False


def _all_lists_of_finite_numbers(values: list[Any] | tuple[Any, ...]) -> bool:
    if not set(map(type, values)) <= {list}:
        return False
    try:
        return all(map(math.isfinite, chain.from_iterable(values)))
    except (TypeError, ValueError, OverflowError):
        return False


def _scalar_problem(value: Any) -> str | None:
    kind = type(value)
    if kind is float:  # the common cases first, by exact type
        return None if math.isfinite(value) else _NOT_FINITE
    if kind is str:
        return _UNSTORABLE_TEXT if UNSTORABLE.search(value) else None
    if kind is int or kind is bool or value is None:
        return None
    if isinstance(value, str):
        return _UNSTORABLE_TEXT if UNSTORABLE.search(value) else None
    if isinstance(value, int):
        return None
    if isinstance(value, (float, Decimal)):
        return None if math.isfinite(value) else _NOT_FINITE
    if isinstance(value, _NonFinite):
        return f"{_NOT_FINITE}, not {value.token[:20]}"
    return f"不是 JSON 值 / not a JSON value ({kind.__name__})"


def _spelt(place: _Place) -> str:
    keys: list[str] = []
    while place is not None:
        place, key = place
        keys.append(str(key))
    return ".".join(reversed(keys))
