"""Electronic real-estate certificates (不动产权证书): issued at registration, verifiable by
anyone with the certificate number and its verification code, revocable.

The verification code is an HMAC of the certificate's particulars under the server secret: it
cannot be forged without the secret, and any change to a particular breaks it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.access import Actor, check_scope, not_found
from workflow.accounts.ratelimit import KEY_CHARS, check_failures, record_failure
from workflow.canonical import money
from workflow.context import StepContext
from workflow.deadlines.calendar import add_years
from workflow.errors import ValidationFailed
from workflow.models import Certificate, CertificateSerial, County, Parcel
from workflow.uow import UnitOfWork


def verification_code(secret: str, number: str, parcel_id: int, holder: str, area: Any,
                      issued_on: date) -> str:
    message = f"{number}|{parcel_id}|{holder}|{money(area)}|{issued_on.isoformat()}"
    digest = hmac.new(secret.encode(), message.encode("utf-8"), hashlib.sha256).digest()
    code = base64.b32encode(digest).decode()[:16]
    return "-".join(code[i:i + 4] for i in range(0, 16, 4))


def certificate_view(c: Certificate, *, with_code: bool = True) -> dict[str, Any]:
    view = {"number": c.number, "parcel_id": c.parcel_id, "right_holder": c.right_holder,
            "area_m2": money(c.area_m2), "use": c.use, "term_years": c.term_years,
            "term_from": c.term_from.isoformat() if c.term_from else None,
            "term_to": c.term_to.isoformat() if c.term_to else None,
            "issued_on": c.issued_on.isoformat(), "status": c.status,
            "revoked_on": c.revoked_on.isoformat() if c.revoked_on else None}
    if with_code:
        view["verification_code"] = c.verification_code
    return view


def current_certificate(session: Session, parcel_id: int) -> Certificate | None:
    return session.execute(select(Certificate).where(Certificate.parcel_id == parcel_id)
                           .order_by(Certificate.id.desc()).limit(1)).scalar_one_or_none()


def next_serial(session: Session, county_code: str, year: int) -> int:
    """The year's next certificate serial, taken with one upsert (the row stays locked until
    the registration commits, so two registrations never share a number and a rolled-back one
    gives its number back)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    upsert = insert(CertificateSerial).values(county_code=county_code, year=year,
                                              last_serial=1).on_conflict_do_update(
        index_elements=[CertificateSerial.county_code, CertificateSerial.year],
        set_={"last_serial": CertificateSerial.last_serial + 1},
    )
    # The counter row is all this statement touches: the step's pending rows need not be
    # flushed for it (they go out with the step's own flush).
    with session.no_autoflush:
        return int(session.execute(upsert.returning(CertificateSerial.last_serial))
                   .scalar_one())


def certificate_county_name(name: str) -> str:
    """The county as its real-estate certificates name it: an autonomous county by its place
    name (石柱土家族自治县 → 石柱县; Chongqing's autonomous counties have two-character place
    names), any other county by its own name."""
    return name[:2] + "县" if name.endswith("自治县") else name


def issue(ctx: StepContext) -> Certificate:
    p = ctx.held
    assert ctx.event is not None
    holder = ctx.payload.get("right_holder") or p.land_user or "—"
    area = p.supplied_area_m2 or p.total_m2
    term_from = p.handed_over_on or p.contract_signed_on
    term_to = add_years(term_from, p.term_years) if (term_from and p.term_years) else None
    cert = Certificate(number="pending", parcel_id=p.id, right_holder=holder, area_m2=area,
                       use=p.planned_use or "other", term_years=p.term_years,
                       term_from=term_from, term_to=term_to, issued_on=ctx.effective_date,
                       verification_code="pending", status="valid",
                       audit_event_id=ctx.event.id, created_at=ctx.uow.now())
    year = ctx.effective_date.year
    serial = next_serial(ctx.session, p.county_code, year)
    # Serials count per county and year, so the number must name the county: a constant name
    # would give two counties the same number.
    with ctx.session.no_autoflush:  # reference data: nothing pending bears on it
        county = certificate_county_name(ctx.session.get_one(County, p.county_code).name)
    cert.number = f"渝({year}){county}不动产权第{serial:07d}号"
    ctx.session.add(cert)
    ctx.session.flush()
    cert.verification_code = verification_code(ctx.uow.secret_key, cert.number, p.id, holder,
                                                area, cert.issued_on)
    ctx.certificate = certificate_view(cert)
    ctx.uow.emit("certificate.issued", p.id, {"number": cert.number, "parcel_code": p.code,
                                              "issued_on": cert.issued_on.isoformat()},
                 audit_event_id=ctx.event.id)
    return cert


# One answer for an unknown number and a wrong code: telling them apart would let anyone list
# the numbers that exist without holding a single code.
NOT_VALID = {"reason": "not valid",
             "message": {"zh": "证书编号或校验码不正确",
                         "en": "No such certificate, or a wrong code"}}


def verify(uow: UnitOfWork, number: str, code: str, *, client: str | None = None,
           failure_limit: int | None = None, counter: UnitOfWork | None = None
           ) -> dict[str, Any]:
    """Public: is this certificate genuine (the code matches its particulars) and current?

    With a ``client``, its wrong answers are counted (in ``counter``, a unit of work that may
    write) and a client with ``failure_limit`` of them in the last minute is refused
    (``Blocked``) before anything is checked, so that codes cannot be guessed at speed."""
    keys = [f"verify:{client}"[:KEY_CHARS]] if client is not None else []
    with uow:
        if keys and failure_limit is not None:
            check_failures(uow.session, keys, failure_limit, uow.now())
        answer = _verify(uow, number, code)
    if answer["valid"] is False and answer["reason"] == NOT_VALID["reason"] and keys and \
            counter is not None:
        record_failure(counter, keys)
    return answer


def _verify(uow: UnitOfWork, number: str, code: str) -> dict[str, Any]:
    c = uow.session.execute(select(Certificate).where(Certificate.number == number)
                            ).scalar_one_or_none()
    if c is None:
        return {"valid": False, "number": number, **NOT_VALID}
    expected = verification_code(uow.secret_key, c.number, c.parcel_id, c.right_holder,
                                 c.area_m2, c.issued_on)
    genuine = hmac.compare_digest(expected, c.verification_code) and hmac.compare_digest(
        expected.replace("-", ""), code.strip().upper().replace("-", ""))
    if not genuine:
        return {"valid": False, "number": number, **NOT_VALID}
    if c.status != "valid":
        return {"valid": False, "number": number, "status": c.status,
                "revoked_on": c.revoked_on.isoformat() if c.revoked_on else None,
                "reason": "revoked",
                "message": {"zh": "证书已注销", "en": "The certificate was revoked"}}
    return {"valid": True, "number": c.number, "status": c.status,
            "issued_on": c.issued_on.isoformat(), "area_m2": money(c.area_m2),
            "use": c.use, "right_holder": _mask(c.right_holder)}


def _mask(name: str) -> str:
    """Enough of the holder's name to recognise it, not enough to harvest it."""
    if len(name) <= 2:
        return name[0] + "*"
    keep = max(1, len(name) // 3)
    return name[:keep] + "*" * (len(name) - 2 * keep) + name[-keep:]


def get_certificate(uow: UnitOfWork, actor: Actor, number: str) -> dict[str, Any]:
    with uow:
        c = uow.session.execute(select(Certificate).where(Certificate.number == number)
                                ).scalar_one_or_none()
        if c is None:
            raise not_found(actor, f"证书 {number} / certificate {number}", number=number)
        parcel = uow.session.get(Parcel, c.parcel_id)
        assert parcel is not None
        check_scope(actor, parcel)
        view = certificate_view(c)
        view["parcel_code"] = parcel.code
        view["township"] = parcel.township.name
        return view


def revoke(ctx: StepContext) -> None:
    """Revoke the certificate the record names (record ``certificate_revoked``)."""
    number = ctx.payload["details"]["number"]
    c = ctx.session.execute(select(Certificate).where(Certificate.number == number,
                                                      Certificate.parcel_id == ctx.held.id)
                            ).scalar_one()
    on = ctx.effective_date
    if c.status == "revoked":
        raise ValidationFailed({"number": ["已注销 / already revoked"]})
    if on > ctx.today or on < c.issued_on:
        raise ValidationFailed({"date": ["注销日期须在发证后且不晚于今天 / between issue and "
                                         "today"]})
    c.status, c.revoked_on = "revoked", on
    c.revocation_reason = ctx.payload["details"]["reason"]
    ctx.certificate = certificate_view(c)
    ctx.uow.emit("certificate.revoked", c.parcel_id, {"number": number, "revoked_on":
                                                      on.isoformat()},
                 audit_event_id=ctx.event.id)
