"""Records (dated procedural steps that change no state) and the guards and effects each kind
runs, like a step of the lifecycle: a record is also an audit event."""

from __future__ import annotations

from states import ParcelState, Step

RECORD_GUARDS: dict[str, tuple[str, ...]] = {
    "idle_disposal": ("idle_disposal_within_limits",),
}
RECORD_EFFECTS: dict[str, tuple[str, ...]] = {
    "payment": ("apply_payment",),
    "registration_accepted": ("open_registration_deadline",),
    "idle_notice": ("close_idle_investigation",),
    "idle_disposal": ("apply_idle_disposal",),
}
RECORD_ROLES = ("clerk", "approver")


def record_step(kind: str, state: str) -> Step:
    """A pseudo-step for one record kind, so that records run through the same registries."""
    return Step(
        trigger=f"record:{kind}", sources=(), dest=ParcelState(state), stage="",
        roles=(), guards=("effective_date_not_in_future",) + RECORD_GUARDS.get(kind, ()),
        effects=RECORD_EFFECTS.get(kind, ()),
    )
