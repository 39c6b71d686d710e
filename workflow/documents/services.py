"""Filing a document: the bytes are checked (size, type sniffed from content) and stored by
their SHA-256 first, outside any transaction (content addressing makes a retry or a rolled-back
command harmless: the same bytes land on the same name); then one command locks the parcel,
writes the row, appends the audit event that carries the hash and emits ``document.filed``.

Who files what: clerks every kind; approvers the idle-land determination they decide on
(闲置土地处置办法 第十四条); the portal the applicant's materials for its own cases (一书四方案,
the grant contract, the completion survey), through the application they belong to.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from sqlalchemy import select

from workflow.access import Actor, not_found, visible_parcel
from workflow.documents.queries import document_view
from workflow.documents.sniff import ACCEPTED, EXTENSIONS, describe, sniff
from workflow.documents.store import DocumentStore
from workflow.errors import DocumentTooLarge, DocumentTypeNotAllowed, Forbidden, ValidationFailed
from workflow.models import Application, Document, ParcelRecord
from workflow.models.documents import DOCUMENT_KINDS
from workflow.uow import UnitOfWork, command

KIND_ROLES: dict[str, tuple[str, ...]] = {
    "land_use_plan_package": ("clerk", "portal"),
    "grant_contract": ("clerk", "portal"),
    "idle_land_determination": ("clerk", "approver"),
    "completion_survey": ("clerk", "portal"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "land_use_plan_package": ("一书四方案", "land-use plan package (one report, four plans)"),
    "grant_contract": ("国有建设用地使用权出让合同", "grant contract"),
    "idle_land_determination": ("闲置土地认定书", "idle-land determination"),
    "completion_survey": ("竣工验收测量报告", "completion survey"),
}
assert set(KIND_ROLES) == set(DOCUMENT_KINDS) == set(KIND_LABELS)


def clean_filename(name: str | None, media_type: str) -> str:
    """The uploaded name, for display only: path and control characters removed, at most 200
    characters, and the extension of what the file really is."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    ext = EXTENSIONS[media_type]
    return (stem[: 200 - len(ext)] or "document") + ext


def check_kind(actor: Actor, kind: str) -> None:
    if kind not in KIND_ROLES:
        raise ValidationFailed({"kind": [f"须为 {', '.join(DOCUMENT_KINDS)} 之一 / one of "
                                         f"{', '.join(DOCUMENT_KINDS)}"]})
    if actor.role not in KIND_ROLES[kind]:
        raise Forbidden({"role": actor.role})


def check_content(data: bytes, max_bytes: int) -> str:
    """The content's media type; refuses an empty, oversized or unaccepted file."""
    if not data:
        raise ValidationFailed({"file": ["文件为空 / the file is empty"]})
    if len(data) > max_bytes:
        raise DocumentTooLarge({"limit": max_bytes})
    media_type = sniff(data[:16])
    if media_type is None:
        raise DocumentTypeNotAllowed({"found": describe(data[:64]),
                                      "allowed": ", ".join(ACCEPTED)})
    return media_type


def file_document(reader: UnitOfWork, uow: UnitOfWork, store: DocumentStore, actor: Actor, *,
                  kind: str, data: bytes, filename: str | None, max_bytes: int,
                  parcel_id: int | None = None, record_id: int | None = None,
                  portal_no: str | None = None, idempotency_key: str | None = None
                  ) -> tuple[dict[str, Any], bool]:
    """File ``data`` as a document of ``kind`` for a parcel (optionally one of its records)
    or for a portal application. ``reader`` serves the checks made before the bytes are
    stored, ``uow`` the command. Returns (view, replayed)."""
    check_kind(actor, kind)
    if (parcel_id is None) == (portal_no is None):
        raise ValidationFailed({"parcel_id": ["须指定地块或申请之一 / a parcel or an application"]})
    if portal_no is not None and actor.role != "portal":
        raise Forbidden({"role": actor.role})
    media_type = check_content(data, max_bytes)
    # Who may file here is judged before anything is written, so that no one outside the
    # parcel's scope can fill the store.
    with reader:
        _target(reader, actor, parcel_id, portal_no, record_id)
    sha256 = hashlib.sha256(data).hexdigest()
    store.put(sha256, data, media_type)
    name = clean_filename(filename, media_type)
    meta = {"kind": kind, "sha256": sha256, "size_bytes": len(data), "media_type": media_type,
            "filename": name, "record_id": record_id, "portal_no": portal_no}

    def work(uow: UnitOfWork) -> dict[str, Any]:
        pid, application_id = _target(uow, actor, parcel_id, portal_no, record_id, lock=True)
        parcel = visible_parcel(uow.session, actor, pid)
        event = uow.audit(stream=f"parcel:{pid}", kind="document", name=kind, parcel=parcel,
                          from_state=parcel.state, to_state=parcel.state,
                          effective_date=uow.today(), payload={"document": meta})
        doc = Document(parcel_id=pid, record_id=record_id, application_id=application_id,
                       kind=kind, sha256=sha256, size_bytes=len(data), media_type=media_type,
                       filename=name, audit_event_id=event.id, uploaded_by_id=actor.id,
                       created_at=uow.now())
        uow.session.add(doc)
        uow.session.flush()
        uow.emit("document.filed", pid, {"document_id": doc.id, "kind": kind,
                                         "sha256": sha256, "audit_seq": event.id},
                 audit_event_id=event.id)
        return document_view(doc)

    return command(uow, actor, work, operation=f"document:{parcel_id or portal_no}",
                   body=meta, idempotency_key=idempotency_key)


def _target(uow: UnitOfWork, actor: Actor, parcel_id: int | None, portal_no: str | None,
            record_id: int | None, *, lock: bool = False) -> tuple[int, int | None]:
    """The parcel the document is filed for (checked against the actor's scope, locked for
    the command) and the application, if it came through one."""
    session = uow.session
    application_id = None
    if portal_no is not None:
        app = session.execute(select(Application).where(
            Application.portal_no == portal_no)).scalar_one_or_none()
        if app is None:
            raise not_found(actor, f"申请 {portal_no} / application {portal_no}",
                            portal_no=portal_no)
        parcel_id, application_id = app.parcel_id, app.id
    assert parcel_id is not None
    visible_parcel(session, actor, parcel_id, lock=lock)
    if record_id is not None:
        owner = session.execute(select(ParcelRecord.parcel_id).where(
            ParcelRecord.id == record_id)).scalar_one_or_none()
        if owner != parcel_id:
            raise ValidationFailed({"record_id": [
                f"地块 {parcel_id} 没有记录 {record_id} / parcel {parcel_id} has no record "
                f"{record_id}"]})
    return parcel_id, application_id
