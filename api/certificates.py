"""/certificates: verification without login, the PDF rendition, revocation."""

from __future__ import annotations

from typing import Any

from flask import Response, after_this_request, render_template, request, url_for
from marshmallow import Schema, fields, validate

from api.auth import RateLimited, client_address, current_actor
from api.base import Blueprint, runtime
from workflow.accounts.ratelimit import Blocked
from workflow.portal import certificates
from workflow.portal import services as portal
from workflow.portal.schemas import RevokeSchema

blp = Blueprint("certificates", __name__, url_prefix="/api/v1/certificates",
                description="Electronic real-estate certificates", template_folder="templates")


class VerifyArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class VerifyOut(Schema):
    valid = fields.Boolean()
    number = fields.String()
    status = fields.String()
    issued_on = fields.String(allow_none=True)
    revoked_on = fields.String(allow_none=True)
    area_m2 = fields.String()
    use = fields.String()
    right_holder = fields.String()
    reason = fields.String(metadata={"description": "`not valid` (no such certificate, or a "
                                                    "wrong code: one answer for both), "
                                                    "`revoked`"})
    message = fields.Dict(keys=fields.String(), values=fields.String())


class CertificateOut(Schema):
    number = fields.String()
    parcel_id = fields.Integer()
    parcel_code = fields.String()
    township = fields.String()
    right_holder = fields.String()
    area_m2 = fields.String()
    use = fields.String()
    term_years = fields.Integer(allow_none=True)
    term_from = fields.String(allow_none=True)
    term_to = fields.String(allow_none=True)
    issued_on = fields.String()
    status = fields.String()
    revoked_on = fields.String(allow_none=True)
    verification_code = fields.String()



@blp.route("/<path:number>/verify", methods=["GET"])
@blp.arguments(VerifyArgs, location="query", as_kwargs=True)
@blp.response(200, VerifyOut)
@blp.doc(security=[])
def verify(number: str, code: str) -> Any:
    """Is this certificate genuine and current? No login: anyone holding the paper or the PDF
    can check it. Wrong numbers or codes are limited per client (429)."""
    rt = runtime()
    try:
        answer = certificates.verify(rt.reader(), number, code, client=client_address(),
                                     failure_limit=rt.settings.verify_failures_per_minute,
                                     counter=rt.uow())
    except Blocked as blocked:
        wait = blocked.retry_after
        raise RateLimited({"retry_after": wait}, headers={"Retry-After": str(wait)}) from None
    if wants_html():
        return _page(answer)

    @after_this_request
    def _vary(response: Response) -> Response:
        response.headers["Vary"] = "Accept"
        return response

    return answer


def wants_html() -> bool:
    """A browser (the certificate's QR code opened on a phone) asks for HTML first; curl and
    programs get JSON (``*/*`` or ``Accept: application/json``)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > \
        request.accept_mimetypes["application/json"]


def _page(answer: dict[str, Any]) -> Response:
    from api.certificate_pdf import USE_ZH

    html = render_template("verify.html", answer=answer,
                           use_zh=USE_ZH.get(answer.get("use") or "", answer.get("use")))
    response = Response(html, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@blp.route("/<path:number>.pdf", methods=["GET"])
@blp.response(200, description="The certificate as PDF", content_type="application/pdf")
def pdf(number: str) -> Any:
    """The certificate rendered as PDF with a QR code of its verification URL."""
    from api.certificate_pdf import render

    cert = certificates.get_certificate(runtime().reader(), current_actor(), number)
    base = runtime().settings.public_base_url.rstrip("/")
    verify_url = base + url_for("certificates.verify", number=number) + \
        f"?code={cert['verification_code']}"
    return Response(render(cert, verify_url), mimetype="application/pdf")


@blp.route("/<path:number>", methods=["GET"])
@blp.response(200, CertificateOut)
def read(number: str) -> Any:
    """A certificate with its verification code."""
    return certificates.get_certificate(runtime().reader(), current_actor(), number)


@blp.route("/<path:number>/revoke", methods=["POST"])
@blp.arguments(RevokeSchema)
@blp.response(200, CertificateOut)
def revoke(body: dict[str, Any], number: str) -> Any:
    """Revoke a certificate (approver, admin); verification then answers not valid."""
    return portal.revoke_certificate(runtime().uow(), current_actor(), number, body["date"],
                               body["reason"])
