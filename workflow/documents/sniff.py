"""What a file is, from its content: the magic bytes of the formats accepted, never the name
or the Content-Type the client sent (a renamed HTML page or executable is not a PDF)."""

from __future__ import annotations

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
ACCEPTED = tuple(media for _, media in SIGNATURES)
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}

# Recognised only to name them in a refusal.
_KNOWN_OTHERS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "application/zip"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
    (b"GIF8", "image/gif"),
    (b"\xd0\xcf\x11\xe0", "application/x-ole-storage"),
)


def sniff(head: bytes) -> str | None:
    """The accepted media type the content starts as, or None."""
    for magic, media in SIGNATURES:
        if head.startswith(magic):
            return media
    return None


def describe(head: bytes) -> str:
    """What a refused file seems to be, for the refusal's message."""
    for magic, media in _KNOWN_OTHERS:
        if head.startswith(magic):
            return media
    stripped = head.lstrip()[:64].lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<script", b"<?xml", b"<svg")):
        return "text/html or XML"
    return "unknown"
