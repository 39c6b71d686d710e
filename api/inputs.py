"""What the URL carries, checked before any view reads it: ids in the path that fit the
database's integer columns, and path and query text without characters no database or log
should hold (NUL, controls, bidirectional and zero-width characters). Request bodies are
checked where they are parsed (``api.base``) and by their schemas."""

from __future__ import annotations

from flask import request

from workflow.errors import ValidationFailed
from workflow.payloads.fields import CONTROL_CHARACTERS, MAX_ID

TOO_LARGE = f"须为 1 至 {MAX_ID} 的整数 / must be an integer from 1 to {MAX_ID}"
HIDDEN = ("不得包含控制字符、方向控制符或零宽字符 / must not contain control, bidirectional or "
          "zero-width characters")


def check_path_and_query() -> None:
    errors: dict[str, list[str]] = {}
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and value > MAX_ID:
            errors[name] = [TOO_LARGE]
        elif isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            errors[name] = [HIDDEN]
    for name, value in request.args.items(multi=True):
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
            errors[CONTROL_CHARACTERS.sub("?", name)] = [HIDDEN]
    if errors:
        raise ValidationFailed(errors)
