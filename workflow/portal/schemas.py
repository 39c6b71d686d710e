"""What the portal and its administration accept: applications with their applicant, webhook
hosts and subscriptions, certificate revocation."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from workflow.payloads.fields import Day, Int, Strict, Text
from workflow.payloads.survey import SurveySchema
from workflow.portal.addresses import numeric_host_problem
from workflow.portal.identity import valid_id_number, valid_uscc


def _check_applicant(data: dict[str, Any]) -> None:
    id_no = data.get("id_no", "")
    if data.get("type") == "organisation" and not valid_uscc(id_no):
        raise ValidationError("统一社会信用代码校验不通过 / invalid unified social credit code",
                              "id_no")
    if data.get("type") == "person" and not valid_id_number(id_no):
        raise ValidationError("公民身份号码校验不通过 / invalid citizen identity number", "id_no")


class ApplicantSchema(Strict):
    type = fields.String(required=True, validate=validate.OneOf(("organisation", "person")))
    name = Text(200, required=True)
    id_no = fields.String(required=True, validate=validate.Length(equal=18),
                          metadata={"description": "统一社会信用代码 (organisation) or "
                                                   "公民身份号码 (person), checksum verified"})

    @validates_schema
    def _checksum(self, data: dict[str, Any], **_: Any) -> None:
        _check_applicant(data)

    @post_load
    def _upper(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["id_no"] = data["id_no"].upper()
        return data


class PortalParcelSchema(SurveySchema):
    code = Text(64, load_default=None,
                metadata={"description": "Parcel code; default YKB-<portal_no>"})


class ApplicationSchema(Strict):
    portal_no = fields.String(required=True, validate=[
        validate.Length(min=1, max=64), validate.Regexp(r"^[A-Za-z0-9\-_.]+$")],
        metadata={"description": "The portal's own application number (idempotency key)"})
    item_code = Text(64, required=True)
    applicant = fields.Nested(ApplicantSchema, required=True)
    parcel = fields.Nested(PortalParcelSchema, required=True)

    @post_load
    def _code(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if not data["parcel"].get("code"):
            data["parcel"]["code"] = f"YKB-{data['portal_no']}"
        return data


_BLANK = re.compile(r"[\s\x00-\x1f\x7f]")


def _no_blank(value: str) -> None:
    # A function, not a Regexp: "$" also matches before a final newline, and "\Z" would leak
    # into the OpenAPI pattern, which JavaScript reads differently.
    if _BLANK.search(value):
        raise ValidationError("不得包含空白或控制字符 / must not contain whitespace or control "
                              "characters")


def _canonical_number(host: str) -> None:
    problem = numeric_host_problem(host)
    if problem:
        raise ValidationError(problem)


class AllowedHostSchema(Strict):
    host = fields.String(required=True, validate=[
        validate.Length(min=1, max=253),
        validate.Regexp(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)*"
                        r"[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?$"),
        _no_blank, _canonical_number])


class SubscriptionSchema(Strict):
    # No whitespace or control character anywhere: URL parsers drop or strip them, so that what
    # is stored and shown differs from what is requested, and CR/LF would split the request.
    url = fields.String(required=True, validate=[
        validate.Length(min=8, max=2000),
        _no_blank])
    event_types = fields.List(fields.String(validate=validate.Regexp(r"^(\*|[a-z_.]{1,40})$")),
                              load_default=lambda: ["*"], validate=validate.Length(max=20),
                              metadata={"description": "Type prefixes, e.g. transition., "
                                                       "certificate.; * for all"})
    secret = fields.String(load_default=None, validate=validate.Length(min=16, max=128))
    from_seq = Int(load_default=None, validate=validate.Range(min=1, max=2**62))


class RevokeSchema(Strict):
    date = Day(required=True)
    reason = Text(300, required=True)
