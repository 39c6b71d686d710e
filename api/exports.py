"""Auditor lists sent as files (``?format=csv|xlsx``); the files are made by
``workflow.reports.exports``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response

from workflow.reports.exports import MEDIA_TYPES
from workflow.reports.exports import render as render_file


def render(items: Iterable[dict[str, Any]], fmt: str, name: str) -> Response:
    return Response(render_file(items, fmt, name), mimetype=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename={name}.{fmt}"})
