"""One shared ``transitions`` machine built from the step table.

The machine is never bound to ORM rows (no ``add_model``): the service fires an event on the
locked parcel, ``MACHINE.events[trigger].trigger(parcel, ctx=ctx)``. Guards are run by the service
before firing so that every violation is collected; the single condition here refuses the change
if any violation slipped through, so that a ``False`` from the machine is always a refusal.
"""

from __future__ import annotations

from typing import Any

from transitions import EventData, Machine

from states.lifecycle import STEPS, ParcelState


def _no_violations(event: EventData) -> bool:
    ctx: Any = event.kwargs.get("ctx")
    return ctx is not None and not ctx.violations


def build_machine() -> Machine:
    transitions = [
        {
            "trigger": s.trigger,
            "source": [src.value for src in s.sources],
            "dest": s.dest.value,
            "conditions": [_no_violations],
        }
        for s in STEPS
        if s.sources
    ]
    return Machine(
        model=None,
        states=[st.value for st in ParcelState],
        initial=None,
        transitions=transitions,
        auto_transitions=False,
        send_event=True,
        queued=False,
        ignore_invalid_triggers=False,
    )


MACHINE = build_machine()


def edge_exists(trigger: str, state: str) -> bool:
    event = MACHINE.events.get(trigger)
    return event is not None and str(state) in event.transitions
