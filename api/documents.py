"""/documents: files filed with a parcel's records and with portal applications — upload
(multipart, ``file`` + ``kind`` [+ ``record_id``]), list on the parcel or the application,
read and download, each under the parcel's scope rules (``workflow.documents``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from api.auth import current_actor
from api.base import Blueprint, StrictParser, runtime
from api.parcels import IDEMPOTENCY_HEADER, idempotency_key, respond
from workflow.documents import queries
from workflow.documents.services import file_document
from workflow.documents.store import DocumentStore, store_for
from workflow.errors import ValidationFailed
from workflow.models.documents import DOCUMENT_KINDS
from workflow.payloads.fields import MAX_ID


class MultipartParser(StrictParser):
    """Adds the ``multipart`` location: a form's fields and its files read as one."""

    __location_map__ = {**StrictParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: Schema) -> MultiDictProxy:
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)


class DocumentsBlueprint(Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    # One multipart request body in the OpenAPI document: the file and its fields together.
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}


blp = DocumentsBlueprint("documents", __name__, url_prefix="/api/v1",
                         description="Documents filed with records and portal applications")

# The upload endpoints accept bodies up to the document limit (the rest of the API keeps
# LANDFLOW_MAX_BODY_BYTES); a multipart body carries a little more than the file.
UPLOAD_ENDPOINTS = frozenset({"documents.upload_for_parcel",
                              "documents.upload_for_application"})
MULTIPART_OVERHEAD = 64 * 1024


def allow_uploads() -> None:
    """A before-request hook: raise the body limit for the upload endpoints only."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = (runtime().settings.documents_max_bytes
                                      + MULTIPART_OVERHEAD)


def document_store() -> DocumentStore:
    """The process's document store, built once from the settings."""
    ext = current_app.extensions
    if "landflow.documents" not in ext:
        ext["landflow.documents"] = store_for(runtime().settings)
    return ext["landflow.documents"]  # type: ignore[no-any-return]


class UploadForm(Schema):
    file = Upload(required=True, metadata={
        "description": "PDF, PNG or JPEG (judged from the content, not the name)"})
    kind = fields.String(required=True, validate=validate.OneOf(DOCUMENT_KINDS), metadata={
        "description": "land_use_plan_package 一书四方案, grant_contract 出让合同, "
                       "idle_land_determination 闲置土地认定书, "
                       "completion_survey 竣工验收测量报告"})
    record_id = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID),
                               metadata={"description": "the parcel's record it belongs to"})


class DocumentOut(Schema):
    id = fields.Integer()
    parcel_id = fields.Integer()
    record_id = fields.Integer(allow_none=True)
    application_id = fields.Integer(allow_none=True)
    kind = fields.String()
    filename = fields.String()
    media_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    audit_event_id = fields.Integer()
    uploaded_at = fields.String()
    download = fields.String()


class DocumentList(Schema):
    parcel_id = fields.Integer()
    portal_no = fields.String()
    items = fields.List(fields.Nested(DocumentOut))


def _upload(form: dict[str, Any], **target: Any) -> Any:
    upload = form["file"]
    limit = runtime().settings.documents_max_bytes
    data = upload.stream.read(limit + 1)
    if not isinstance(data, bytes):
        raise ValidationFailed({"file": ["须为文件 / must be a file"]})
    rt = runtime()
    view, replayed = file_document(
        rt.reader(), rt.uow(), document_store(), current_actor(), kind=form["kind"],
        data=data, filename=upload.filename, max_bytes=limit, record_id=form["record_id"],
        idempotency_key=idempotency_key(), **target)
    return respond(view, replayed, 200 if replayed else 201)


@blp.route("/parcels/<int:parcel_id>/documents", methods=["POST"])
@blp.arguments(UploadForm, location="multipart")
@blp.response(201, DocumentOut)
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
def upload_for_parcel(form: dict[str, Any], parcel_id: int) -> Any:
    """File a document for a parcel or one of its records (clerk; approver: idle-land
    determination). Stored by its SHA-256, which the parcel's audit event records."""
    return _upload(form, parcel_id=parcel_id)


@blp.route("/parcels/<int:parcel_id>/documents", methods=["GET"])
@blp.response(200, DocumentList)
def list_for_parcel(parcel_id: int) -> Any:
    """The parcel's documents, oldest first."""
    return queries.list_documents(runtime().reader(), current_actor(), parcel_id)


@blp.route("/portal/applications/<portal_no>/documents", methods=["POST"])
@blp.arguments(UploadForm, location="multipart")
@blp.response(201, DocumentOut)
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
def upload_for_application(form: dict[str, Any], portal_no: str) -> Any:
    """File the applicant's material for one of the portal's applications (portal)."""
    return _upload(form, portal_no=portal_no)


@blp.route("/portal/applications/<portal_no>/documents", methods=["GET"])
@blp.response(200, DocumentList)
def list_for_application(portal_no: str) -> Any:
    """The documents filed with an application."""
    return queries.list_application_documents(runtime().reader(), current_actor(), portal_no)


@blp.route("/documents/<int:document_id>", methods=["GET"])
@blp.response(200, DocumentOut)
def read(document_id: int) -> Any:
    """One document's facts: kind, name, type, size, SHA-256, the audit event that filed it."""
    return queries.read_document(runtime().reader(), current_actor(), document_id)


@blp.route("/documents/<int:document_id>/content", methods=["GET"])
@blp.response(200, description="The file, as filed (its SHA-256 checked before it is sent)",
              content_type="application/octet-stream")
def download(document_id: int) -> Any:
    """Download the document (the same scope rules as its parcel)."""
    view, data = queries.open_document(runtime().reader(), document_store(), current_actor(),
                                       document_id)
    response = Response(data, mimetype=view["media_type"])
    ascii_name = view["filename"].encode("ascii", "replace").decode().replace("?", "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(view['filename'])}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["ETag"] = f"\"{view['sha256']}\""
    response.headers["Digest"] = "sha-256=" + _b64_sha(view["sha256"])
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _b64_sha(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode()
