"""The features of a GeoJSON FeatureCollection one at a time, so that one broken feature (NaN
in a coordinate, nesting thousands deep, a repeated key) is reported on its own and never stops
the others. Each feature is read by the JSON parser in C; only a feature that fails is walked
character by character, to find where it ends."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from typing import Any

from workflow.payloads import jsonsafe

_WHITESPACE = " \t\n\r"
_KEY = json.JSONDecoder()


class Unreadable:
    """What stands in a row for a value that could not be read, with the reasons by field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors


def features(text: str) -> Iterator[dict[str, Any] | Unreadable]:
    """Each element of the top-level object's ``features`` array, parsed and checked like a
    request body (``jsonsafe``), or ``Unreadable`` with the reasons. A document that is not a
    JSON object with a ``features`` array raises ``ValueError``."""
    pos = _expect(text, _skip(text, 0), "{")
    while True:
        pos = _skip(text, pos)
        if text.startswith("}", pos):
            return
        key, pos = _KEY.raw_decode(text, pos)
        pos = _expect(text, _skip(text, pos), ":")
        pos = _skip(text, pos)
        if key == "features":
            pos = yield from _array(text, _expect(text, pos, "["))
        else:
            pos = _end_of_value(text, pos)
        pos = _skip(text, pos)
        if not text.startswith(",", pos):
            _expect(text, pos, "}")
            return
        pos += 1


def _array(text: str, pos: int) -> Generator[dict[str, Any] | Unreadable, None, int]:
    pos = _skip(text, pos)
    if text.startswith("]", pos):
        return pos + 1
    while True:
        try:
            value, pos = jsonsafe.raw_decode(text, pos)
            yield value
        except jsonsafe.JSONRefused as exc:
            pos = _end_of_value(text, pos)
            yield Unreadable(exc.errors)
        except ValueError as exc:
            pos = _end_of_value(text, pos)
            yield Unreadable({"_feature": [f"无法读取 / unreadable feature: {exc}"[:200]]})
        pos = _skip(text, pos)
        if text.startswith("]", pos):
            return pos + 1
        pos = _expect(text, pos, ",")
        pos = _skip(text, pos)


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _expect(text: str, pos: int, char: str) -> int:
    if not text.startswith(char, pos):
        raise ValueError(f"GeoJSON: expected {char!r} at character {pos}")
    return pos + 1


def _end_of_value(text: str, pos: int) -> int:
    """Where the JSON value starting at ``pos`` ends, found by counting brackets outside
    strings, without parsing (and so without any limit of depth)."""
    depth, in_string, escaped = 0, False, False
    for i in range(pos, len(text)):
        c = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
                if depth == 0:
                    return i + 1
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
        elif c in "]}":
            if depth == 0:
                return i
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == "," and depth == 0:
            return i
    raise ValueError("GeoJSON: the document ends inside a value")
