"""What the URL carries, checked before any view reads it: ids in the path that fit the
database's integer columns, path and query text without characters no database or log should
hold (NUL, controls, bidirectional and zero-width characters), and no query parameter the route
does not take — a misspelt filter (``?land_user=``) would otherwise be dropped and the answer
would look filtered when it is not. Request bodies are checked where they are parsed
(``api.base``) and by their schemas."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Response, current_app, request
from marshmallow import Schema

from api.errors import problem
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


UNKNOWN = "未知的查询参数 / unknown query parameter"


def refuse_unknown_query() -> Response | None:
    """Every API route takes only the query parameters its query schema declares (none if it
    has none): anything else is a 400 naming each unknown parameter and what the route takes."""
    if not request.path.startswith("/api/") or not request.args or request.endpoint is None:
        return None
    allowed = query_parameters(request.endpoint)
    unknown = sorted(set(request.args) - allowed)
    if not unknown:
        return None
    return problem("VALIDATION_ERROR", 400, errors={name: [UNKNOWN] for name in unknown},
                   unknown_parameters=unknown, allowed_parameters=sorted(allowed))


def query_parameters(endpoint: str) -> frozenset[str]:
    return _query_parameters(current_app.view_functions[endpoint])


@lru_cache(maxsize=512)
def _query_parameters(view: Any) -> frozenset[str]:
    """The names the view's ``@blp.arguments(..., location="query")`` schemas read."""
    names: set[str] = set()
    for param in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
        if param.get("location", param.get("in")) != "query":
            continue
        schema = param["schema"]
        instance: Schema = schema() if isinstance(schema, type) else schema
        names.update(f.data_key or name for name, f in instance.fields.items()
                     if not f.dump_only)
    return frozenset(names)
