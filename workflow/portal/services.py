"""The county e-government portal (渝快办 gateway): intake of applications, and revocation of the
e-certificates it shows."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from states.records import record_kind
from workflow import services
from workflow.access import PORTAL_FILERS, Actor, not_found, require
from workflow.errors import Conflict, IdempotencyKeyReused, ValidationFailed
from workflow.models import Application, Certificate, ServiceItem
from workflow.portal.queries import case_view
from workflow.services import survey_in
from workflow.uow import Done, UnitOfWork, command, request_hash


def file_application(uow: UnitOfWork, actor: Actor, body: dict[str, Any]
                     ) -> tuple[dict[str, Any], bool]:
    """File a case; idempotent on the portal's own number. Returns (case, replayed)."""
    require(actor, PORTAL_FILERS)
    digest = request_hash("portal_application", body)

    def filed_before(uow: UnitOfWork) -> tuple[dict[str, Any], bool] | None:
        app = uow.session.execute(select(Application).where(
            Application.portal_no == body["portal_no"])).scalar_one_or_none()
        if app is None:
            return None
        if app.request_hash != digest:
            raise IdempotencyKeyReused({"key": body["portal_no"]}, field="portal_no")
        return case_view(uow, app), True

    def work(uow: UnitOfWork) -> tuple[dict[str, Any], bool]:
        found = filed_before(uow)
        if found is not None:
            return found
        item = uow.session.get(ServiceItem, body["item_code"])
        if item is None:
            raise ValidationFailed({"item_code": [f"未知事项 / unknown item "
                                                  f"{body['item_code']}"]})
        survey = dict(body["parcel"])
        survey.setdefault("code", f"YKB-{body['portal_no']}")
        _, parcel = survey_in(uow, survey, actor)
        applicant = body["applicant"]
        app = Application(
            portal_no=body["portal_no"], item_code=item.code,
            applicant_type=applicant["type"], applicant_name=applicant["name"],
            applicant_id_no=applicant["id_no"], parcel_id=parcel.id,
            filed_on=survey.get("effective_date") or uow.today(), request_hash=digest,
            filed_by_id=actor.id, created_at=uow.now())
        uow.session.add(app)
        uow.session.flush()
        uow.emit("application.filed", parcel.id, {
            "portal_no": app.portal_no, "item_code": app.item_code, "parcel_code": parcel.code})
        return case_view(uow, app), False

    def on_conflict(uow: UnitOfWork) -> Done[tuple[dict[str, Any], bool]]:
        # Another request with this number won the race: answer as it did.
        found = filed_before(uow)
        if found is None:
            raise Conflict({"field": "parcel.code"}, field="parcel.code")
        return Done(found, False)

    return command(uow, actor, work, on_conflict=on_conflict).result


def revoke_certificate(uow: UnitOfWork, actor: Actor, number: str, on: date, reason: str, *,
                       idempotency_key: str | None = None) -> dict[str, Any]:
    """Revoke a certificate: a record (``certificate_revoked``) of its parcel, through the
    service's one door (the parcel's lock, township scope, version and audit chain)."""
    require(actor, tuple(record_kind("certificate_revoked").roles))
    with uow:
        parcel_id = uow.session.execute(select(Certificate.parcel_id).where(
            Certificate.number == number)).scalar()
    if parcel_id is None:
        raise not_found(actor, f"证书 {number} / certificate {number}", number=number)
    outcome, _ = services.add_record(
        uow, parcel_id, {"kind": "certificate_revoked", "date": on,
                         "details": {"number": number, "reason": reason}},
        actor, idempotency_key=idempotency_key)
    return outcome["certificate"]
