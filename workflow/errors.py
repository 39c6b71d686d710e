"""Domain errors. Each carries a stable code from ``workflow.codes``; the API maps codes to
HTTP statuses in one table (``api.errors``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflow.codes import render


@dataclass
class Violation:
    rule: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> tuple[str, str]:
        return render(self.rule, self.details)

    def as_dict(self) -> dict[str, Any]:
        zh, en = self.messages
        return {"rule": self.rule, "message": zh, "message_en": en, "details": self.details}


class LandflowError(Exception):
    code = "INTERNAL_ERROR"

    def __init__(self, details: dict[str, Any] | None = None, **extra: Any) -> None:
        self.details = dict(details or {})
        self.extra = extra
        zh, en = render(self.code, self.details)
        self.message, self.message_en = zh, en
        super().__init__(f"{self.code}: {en}")


class NotFound(LandflowError):
    code = "NOT_FOUND"


class TransitionNotAllowed(LandflowError):
    code = "TRANSITION_NOT_ALLOWED"


class RecordNotAllowed(LandflowError):
    code = "RECORD_NOT_ALLOWED"


class VersionConflict(LandflowError):
    code = "VERSION_CONFLICT"


class Unauthenticated(LandflowError):
    code = "UNAUTHENTICATED"


class Forbidden(LandflowError):
    code = "FORBIDDEN"


class OutOfScope(LandflowError):
    code = "OUT_OF_SCOPE"


class Conflict(LandflowError):
    code = "CONFLICT"


class IdempotencyKeyReused(LandflowError):
    code = "IDEMPOTENCY_KEY_REUSED"


class ValidationFailed(LandflowError):
    """Input that no rule of law needs to judge: wrong type, missing field, bad reference."""

    code = "VALIDATION_ERROR"

    def __init__(self, errors: dict[str, Any]) -> None:
        self.errors = errors
        super().__init__({})


class RuleViolation(LandflowError):
    """One or more rules refused the step; every violation is reported, not just the first."""

    code = "RULE_VIOLATION"

    def __init__(self, violations: list[Violation], **extra: Any) -> None:
        self.violations = violations
        super().__init__({}, **extra)

    @property
    def codes(self) -> set[str]:
        return {v.rule for v in self.violations}


class DocumentTypeNotAllowed(LandflowError):
    code = "DOCUMENT_TYPE_NOT_ALLOWED"


class DocumentTooLarge(LandflowError):
    code = "DOCUMENT_TOO_LARGE"


class DocumentCorrupted(LandflowError):
    code = "DOCUMENT_CORRUPTED"


class DocumentStoreUnavailable(LandflowError):
    code = "DOCUMENT_STORE_UNAVAILABLE"
