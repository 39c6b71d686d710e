"""Documents filed with a parcel's records or a portal application: what was filed (its
SHA-256, size and sniffed type), for which parcel, record or application, by whom, and the
audit event that recorded it. The bytes live in the document store (``workflow.documents``),
addressed by their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base

# 一书四方案, 国有建设用地使用权出让合同, 闲置土地认定书, 竣工验收测量报告.
DOCUMENT_KINDS = ("land_use_plan_package", "grant_contract", "idle_land_determination",
                  "completion_survey")
MEDIA_TYPES = ("application/pdf", "image/png", "image/jpeg")


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("kind IN ('" + "', '".join(DOCUMENT_KINDS) + "')", name="kind"),
        CheckConstraint("media_type IN ('" + "', '".join(MEDIA_TYPES) + "')",
                        name="media_type"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        Index("ix_documents_parcel_id_id", "parcel_id", "id"),
        Index("ix_documents_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("parcel_records.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(40))
    # The name it was uploaded under: shown and offered on download, never trusted for its type.
    filename: Mapped[str] = mapped_column(String(200))
    audit_event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
