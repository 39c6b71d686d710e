"""Auditor lists sent as files (``?format=csv|xlsx|geojson``), streamed; the files are made by
``workflow.reports.exports``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from flask import Response

from workflow.reports.exports import MEDIA_TYPES, Table, csv_chunks, geojson_chunks, xlsx_file

CHUNK_BYTES = 64 * 1024


def send(table: Table, fmt: str, lang: str | None = None) -> Response:
    """A list as a file. ``lang``: the headers' language — CSV English column names unless
    ``zh`` (then 是/否 for booleans too), XLSX Chinese unless ``en``."""
    headers = {"Content-Disposition": _disposition(f"{table.name}.{fmt}")}
    if fmt in ("csv", "geojson"):
        # The rows are read from the database as the response is sent.
        chunks = csv_chunks(table, lang or "en") if fmt == "csv" else geojson_chunks(table)
        return Response(chunks, mimetype=MEDIA_TYPES[fmt], headers=headers)
    # Written whole before anything is sent, so that a failure is still an error response.
    file = xlsx_file(table, table.name, lang or "zh")
    response = Response(_read(file), mimetype=MEDIA_TYPES[fmt], headers=headers)
    response.content_length = os.fstat(file.fileno()).st_size
    # A response dropped before it is sent never runs the generator's own cleanup.
    response.call_on_close(file.close)
    return response


def _disposition(filename: str) -> str:
    """An attachment name any client reads: ASCII fallback, and the exact name per RFC 6266."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(filename)}"


def _read(file: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
    finally:
        file.close()
