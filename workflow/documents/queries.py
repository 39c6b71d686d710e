"""Reading documents: a parcel's list, one document's facts, and its bytes, each under the
scope rules of the parcel it belongs to (``workflow.access``): a township-bound account reads
only its township's documents, the portal only its own cases'."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from workflow.access import Actor, not_found, visible_parcel
from workflow.documents.store import DocumentStore
from workflow.errors import DocumentCorrupted
from workflow.models import Application, Document
from workflow.uow import UnitOfWork


def document_view(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "parcel_id": doc.parcel_id,
        "record_id": doc.record_id,
        "application_id": doc.application_id,
        "kind": doc.kind,
        "filename": doc.filename,
        "media_type": doc.media_type,
        "size_bytes": doc.size_bytes,
        "sha256": doc.sha256,
        "audit_event_id": doc.audit_event_id,
        "uploaded_at": doc.created_at.isoformat(),
        "download": f"/api/v1/documents/{doc.id}/content",
    }


def list_documents(uow: UnitOfWork, actor: Actor, parcel_id: int) -> dict[str, Any]:
    with uow:
        visible_parcel(uow.session, actor, parcel_id)
        docs = uow.session.execute(select(Document).where(Document.parcel_id == parcel_id)
                                   .order_by(Document.id)).scalars().all()
        return {"parcel_id": parcel_id, "items": [document_view(d) for d in docs]}


def list_application_documents(uow: UnitOfWork, actor: Actor, portal_no: str
                               ) -> dict[str, Any]:
    with uow:
        app = uow.session.execute(select(Application).where(
            Application.portal_no == portal_no)).scalar_one_or_none()
        if app is None:
            raise not_found(actor, f"申请 {portal_no} / application {portal_no}",
                            portal_no=portal_no)
        visible_parcel(uow.session, actor, app.parcel_id)
        docs = uow.session.execute(select(Document).where(Document.application_id == app.id)
                                   .order_by(Document.id)).scalars().all()
        return {"portal_no": portal_no, "items": [document_view(d) for d in docs]}


def _visible_document(uow: UnitOfWork, actor: Actor, document_id: int) -> Document:
    doc = uow.session.get(Document, document_id)
    if doc is None:
        raise not_found(actor, f"文件 {document_id} / document {document_id}",
                        document_id=document_id)
    visible_parcel(uow.session, actor, doc.parcel_id)
    return doc


def read_document(uow: UnitOfWork, actor: Actor, document_id: int) -> dict[str, Any]:
    with uow:
        return document_view(_visible_document(uow, actor, document_id))


def open_document(uow: UnitOfWork, store: DocumentStore, actor: Actor, document_id: int
                  ) -> tuple[dict[str, Any], bytes]:
    """The document's facts and its bytes, checked against the SHA-256 recorded when it was
    filed (a file changed in the store is refused, never served as the filed one)."""
    with uow:
        view = document_view(_visible_document(uow, actor, document_id))
    data = store.get(view["sha256"])
    if hashlib.sha256(data).hexdigest() != view["sha256"]:
        raise DocumentCorrupted({"document_id": document_id})
    return view, data
