"""Records as data: dated procedural steps that change no state but that rules read, with the
roles that may file each kind and the guards and effects it runs, like a step of the lifecycle.

Most kinds are filed by clerks and approvers through the records endpoint. A few are the way
other actions reach a parcel through the one door of the service (pausing a legal clock,
revoking a certificate): they have their own endpoints and roles, and are not accepted from the
records endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lifecycle import ParcelState, Role, Step

STRUCTURAL = ("effective_date_not_in_future",)


S = ParcelState
# The expropriation procedure comes before the application for approval (实施条例 第二十六至
# 三十二条: 完成征地前期工作后，方可提出征收土地申请).
BEFORE_APPROVAL = (S.surveyed, S.planned)
# Granted land that may fall idle (闲置土地处置办法 第二条).
GRANTED = (S.supplied, S.in_use, S.under_construction, S.idle)
# From the approval on: compensation, the land price, the idle-land fee.
PAYABLE = (S.approved, S.expropriated, S.supplied, S.in_use, S.under_construction, S.inspected,
           S.registered, S.idle, S.recovered)
NOT_CLOSED = tuple(s for s in S if s not in (S.rejected, S.withdrawn, S.lapsed))


@dataclass(frozen=True)
class RecordKind:
    name: str
    roles: tuple[Role, ...] = (Role.clerk, Role.approver)
    guards: tuple[str, ...] = STRUCTURAL
    effects: tuple[str, ...] = ()
    # The states in which the record means something; None: any state.
    states: tuple[ParcelState, ...] | None = None


RECORD_KINDS: dict[str, RecordKind] = {k.name: k for k in (
    *(RecordKind(kind, states=BEFORE_APPROVAL) for kind in (
        "pre_announcement", "status_survey", "risk_assessment", "plan_announcement",
        "objection_majority", "hearing", "compensation_registration", "funds_in_place",
        "agreements_signed")),
    RecordKind("payment", effects=("apply_payment",), states=PAYABLE),
    RecordKind("registration_accepted", effects=("open_registration_deadline",),
               states=(S.inspected,)),
    RecordKind("idle_notice", effects=("close_idle_investigation",), states=GRANTED),
    RecordKind("idle_investigation", states=GRANTED),
    RecordKind("idle_hearing", states=GRANTED),
    RecordKind("idle_disposal", guards=(*STRUCTURAL, "idle_disposal_within_limits"),
               effects=("apply_idle_disposal",), states=(S.idle,)),
    RecordKind("inspection_failed", states=(S.under_construction,)),
    RecordKind("construction_progress", states=(S.under_construction, S.idle)),
    RecordKind("construction_suspended", states=(S.under_construction,)),
    RecordKind("clock_stopped", states=NOT_CLOSED),
    RecordKind("clock_resumed", states=NOT_CLOSED),
    # Reached through their own endpoints, each with its own roles; their effects check the
    # clock's or the certificate's own state and dates under the parcel lock.
    RecordKind("deadline_paused", roles=(Role.approver,), guards=(), effects=("pause_clock",)),
    RecordKind("deadline_resumed", roles=(Role.approver,), guards=(), effects=("resume_clock",)),
    RecordKind("certificate_revoked", roles=(Role.approver, Role.admin), guards=(),
               effects=("revoke_certificate",)),
)}
# Kinds that only their own endpoints file.
INTERNAL_RECORD_KINDS = frozenset({"deadline_paused", "deadline_resumed", "certificate_revoked"})


def record_kind(kind: str) -> RecordKind:
    """The kind's roles, guards and effects; a kind without any of its own is an ordinary one."""
    return RECORD_KINDS.get(kind) or RecordKind(kind)


def record_step(kind: str, state: str) -> Step:
    """A pseudo-step for one record kind, so that records run through the same registries."""
    spec = record_kind(kind)
    return Step(
        trigger=f"record:{kind}", sources=(), dest=ParcelState(state), stage="",
        roles=spec.roles, guards=spec.guards,
        effects=spec.effects,
    )
