"""Auditor lists sent as files (``?format=csv|xlsx|geojson``), streamed; the files are made by
``workflow.reports.exports``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, Any
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


def document_file_formats(spec: Any) -> None:
    """Every operation that takes ``?format=`` answers 200 in each media type it lists, not only
    JSON: say so in the OpenAPI description (flask-smorest documents one per status)."""
    for operations in spec._paths.values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            formats = next((p.get("schema", {}).get("enum", []) for p in
                            operation.get("parameters", [])
                            if p.get("in") == "query" and p.get("name") == "format"), [])
            content = operation.get("responses", {}).get("200", {}).get("content")
            if not formats or content is None:
                continue
            for fmt in formats:
                if fmt in MEDIA_TYPES and MEDIA_TYPES[fmt] not in content:
                    schema = ({"type": "object"} if fmt == "geojson" else
                              {"type": "string", "format": "binary"})
                    content[MEDIA_TYPES[fmt]] = {"schema": schema}
