"""Effects on e-certificates (``workflow.portal.certificates``): issued at registration,
revoked by a record."""

from __future__ import annotations

from workflow.context import StepContext
from workflow.effects.registry import effect
from workflow.portal import certificates


@effect
def issue_certificate(ctx: StepContext) -> None:
    certificates.issue(ctx)


@effect
def revoke_certificate(ctx: StepContext) -> None:
    certificates.revoke(ctx)
