"""The one error map: domain errors and HTTP errors become RFC 9457 problem documents
(``application/problem+json``) with a stable ``code``; nothing escapes as an HTML page or a bare
500. Chinese first (``title``/``detail``), English fallback (``title_en``/``detail_en``)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, json, request
from werkzeug.exceptions import HTTPException

from workflow.codes import CODES, render
from workflow.errors import LandflowError, RuleViolation, ValidationFailed

log = logging.getLogger("landflow.api")

PROBLEM_BASE = "https://landflow.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

STATUS_BY_CODE: dict[str, int] = {
    "VALIDATION_ERROR": 422,
    "RULE_VIOLATION": 422,
    "IDEMPOTENCY_KEY_REUSED": 422,
    "TRANSITION_NOT_ALLOWED": 409,
    "RECORD_NOT_ALLOWED": 409,
    "VERSION_CONFLICT": 409,
    "CONFLICT": 409,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "OUT_OF_SCOPE": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "PAYLOAD_TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "HEADER_TOO_LARGE": 431,
    "INTERNAL_ERROR": 500,
    "DOCUMENT_TYPE_NOT_ALLOWED": 415,
    "DOCUMENT_TOO_LARGE": 413,
    "DOCUMENT_CORRUPTED": 500,
    "DOCUMENT_STORE_UNAVAILABLE": 503,
}

_HTTP_CODES = {400: "VALIDATION_ERROR", 401: "UNAUTHENTICATED", 403: "FORBIDDEN",
               404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT",
               413: "PAYLOAD_TOO_LARGE", 415: "VALIDATION_ERROR", 422: "VALIDATION_ERROR",
               429: "RATE_LIMITED", 431: "HEADER_TOO_LARGE"}


def problem(code: str, status: int | None = None, *, details: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    status = status or STATUS_BY_CODE.get(code, 500)
    if has_request_context():
        g.problem_code = code  # for the request's log line (``api.observe``)
    entry = CODES[code]
    detail_zh, detail_en = render(code, details or {})
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code.lower().replace("_", "-"),
        "title": entry.zh if "{" not in entry.zh else detail_zh,
        "title_en": entry.en if "{" not in entry.en else detail_en,
        "status": status,
        "code": code,
        "detail": detail_zh,
        "detail_en": detail_en,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype=PROBLEM_MEDIA_TYPE)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    if status == 401 and "WWW-Authenticate" not in resp.headers:
        # RFC 9110 §11.6.1: a 401 names the scheme the client should authenticate with.
        resp.headers["WWW-Authenticate"] = 'Bearer realm="landflow"'
    return resp


def _field_errors(messages: Any) -> dict[str, Any]:
    """webargs nests errors under the location ("json", "query"); keep the field names."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "headers", "form",
                                                         "view_args", "path", "files",
                                                         "multipart"}:
        merged: dict[str, Any] = {}
        for loc, errs in messages.items():
            if isinstance(errs, dict):
                merged.update(errs)
            else:
                merged[loc] = errs
        return merged
    return messages if isinstance(messages, dict) else {"_schema": messages}


def handle_landflow_error(err: LandflowError) -> Response:
    if isinstance(err, RuleViolation):
        return problem(err.code, violations=[v.as_dict() for v in err.violations],
                       rule_results=err.extra.get("rule_results"))
    if isinstance(err, ValidationFailed):
        return problem(err.code, errors=err.errors)
    return problem(err.code, details=err.details, **err.extra)


def handle_http_exception(err: HTTPException) -> Response:
    status = err.code or 500
    code = _HTTP_CODES.get(status, "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR")
    data = getattr(err, "data", None) or {}
    if code == "VALIDATION_ERROR":
        messages = data.get("messages") or data.get("errors")
        if messages is None:
            messages = {"_schema": [err.description or "invalid request"]}
        return problem(code, status, errors=_field_errors(messages))
    if code == "PAYLOAD_TOO_LARGE":
        limit = (request.max_content_length if has_request_context()
                 else current_app.config["MAX_CONTENT_LENGTH"])
        return problem(code, status, details={"limit": limit})
    if code == "NOT_FOUND":
        return problem(code, status, details={"what": "资源 / resource"})
    headers = data.get("headers")
    return problem(code, status, headers=headers)


def handle_unexpected(err: Exception) -> Response:
    if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
        raise err
    log.exception("unhandled error")
    return problem("INTERNAL_ERROR", 500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(LandflowError, handle_landflow_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
