"""The lifecycle drawn as Mermaid, from the same step table the machine is built from."""

from __future__ import annotations

from .lifecycle import STATE_LABELS, STEPS, ParcelState


def mermaid() -> str:
    lines = ["stateDiagram-v2"]
    for state in ParcelState:
        zh, en = STATE_LABELS[state]
        lines.append(f"    {state.value}: {state.value} {zh}")
    for s in STEPS:
        roles = ", ".join(r.value for r in s.roles)
        if not s.sources:
            lines.append(f"    [*] --> {s.dest.value}: {s.trigger} ({roles})")
            continue
        for src in s.sources:
            lines.append(f"    {src.value} --> {s.dest.value}: {s.trigger} ({roles})")
    lines.append("    registered --> [*]")
    for end in ("rejected", "withdrawn", "lapsed"):
        lines.append(f"    {end} --> [*]")
    return "\n".join(lines) + "\n"
