"""The lifecycle as data: states, steps, roles, and the one shared machine built from them."""

from states.lifecycle import (
    ASSIGNABLE_ROLES,
    COLLECTIVE_PATHS,
    CREATE_TRIGGER,
    STAGES,
    STATE_LABELS,
    STATE_STAGE,
    STEP_BY_TRIGGER,
    STEPS,
    TERMINAL_STATES,
    TRIGGERS,
    ParcelState,
    Role,
    Step,
    allowed_from,
    step,
)
from states.machine import MACHINE, build_machine, edge_exists

__all__ = [
    "ASSIGNABLE_ROLES",
    "COLLECTIVE_PATHS",
    "CREATE_TRIGGER",
    "MACHINE",
    "STAGES",
    "STATE_LABELS",
    "STEP_BY_TRIGGER",
    "STATE_STAGE",
    "STEPS",
    "TERMINAL_STATES",
    "TRIGGERS",
    "ParcelState",
    "Role",
    "Step",
    "allowed_from",
    "build_machine",
    "edge_exists",
    "step",
]
