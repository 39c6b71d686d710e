"""Structured logs: one JSON object a line (structlog), the request's context bound to every
line of it, and nothing in them that must not be written down.

Every line carries ``timestamp``, ``level``, ``logger`` and ``event``, and within a request its
``request_id``, ``user`` and ``role`` (``api.observe`` binds them); the request line adds
``method``, ``route``, ``path`` (never the query string: a certificate's verification code
travels there), ``status``, ``duration_ms``, ``parcel``, ``transition``, ``outcome`` and the
problem ``code``. Lines from the standard library's loggers (gunicorn, SQLAlchemy, Flask) go
through the same renderer.

What is never logged (``redact``, the last step before a line is rendered, so it also covers
exception texts): values under secret-bearing keys (tokens, secrets, passwords, Authorization
headers, signatures, verification codes, ID numbers), bearer tokens and Landflow tokens
(``lf_…``) anywhere in a text, and anything shaped like a resident identity card number
(身份证号, 18 characters with a valid birth date).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, WrappedLogger

MASK = "***"
ID_MASK = "[身份证号已隐去]"

SECRET_KEYS = frozenset({
    "authorization", "token", "tokens", "secret", "secret_key", "password", "passwd",
    "cookie", "set-cookie", "signature", "x-landflow-signature", "verification_code",
    "metrics_token", "id_no", "applicant_id_no", "id_number", "aws_secret_access_key",
})

# 6-digit area code, birth date 1900–2099, 3-digit sequence, check character.
ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![0-9A-Za-z])")
BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s,;\"']+")
LANDFLOW_TOKEN = re.compile(r"\blf_[A-Za-z0-9_\-]{8,}")


def scrub_text(text: str) -> str:
    text = ID_NUMBER.sub(ID_MASK, text)
    text = BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return LANDFLOW_TOKEN.sub("lf_" + MASK, text)


def scrub(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return MASK
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: (MASK if isinstance(k, str) and k.lower() in SECRET_KEYS and v
                    else scrub(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [scrub(v, depth + 1) for v in value]
    return value


def redact(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask secrets and ID numbers in every field of the line."""
    return scrub(event_dict)  # type: ignore[no-any-return]


def _shared() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


_HANDLER_NAME = "landflow"
# Libraries that say at INFO what only their developers need (``transitions`` writes two lines
# for every state entered and left: more than the step's own lines, and as costly).
QUIET_LOGGERS = ("alembic.runtime.plugins", "transitions")


def _configure_structlog() -> None:
    """structlog hands every line to the standard library's logging (filtered by level
    first, so that a line below the level costs next to nothing); ``configure_logging``
    decides where it goes. Done at import, so that a process that never configures logging
    (a test, a benchmark) prints nothing below WARNING rather than structlog's default."""
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *_shared(),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def make_formatter(fmt: str = "json") -> logging.Formatter:
    """The formatter every handler of the process uses: structlog's chain for lines from the
    standard library too, secrets masked last, rendered as JSON (or for a console)."""
    renderer: Any = (structlog.dev.ConsoleRenderer(colors=False) if fmt == "console"
                     else structlog.processors.JSONRenderer(ensure_ascii=False, default=str))
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )


def configure_logging(fmt: str = "json", level: str = "INFO",
                      stream: TextIO | None = None) -> logging.Handler:
    """Send every log line of the process (structlog's and the standard library's) to
    ``stream`` (stderr), as JSON lines or, with ``fmt="console"``, for a person reading a
    terminal. Idempotent: a second call replaces the handler of the first."""
    _configure_structlog()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(make_formatter(fmt))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for chatty in QUIET_LOGGERS:
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return handler


def get_logger(name: str) -> Any:
    return structlog.stdlib.get_logger(name)


bind = structlog.contextvars.bind_contextvars
clear = structlog.contextvars.clear_contextvars


_configure_structlog()
