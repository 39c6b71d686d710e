"""The effect registry: what a step books once its guards have passed (facts copied onto the
parcel, ledger postings, deadlines, documents). Effects write through the context's session and
never commit."""

from __future__ import annotations

from collections.abc import Callable

from workflow.context import StepContext

EffectFn = Callable[[StepContext], None]

EFFECTS: dict[str, EffectFn] = {}


def effect(fn: EffectFn) -> EffectFn:
    if fn.__name__ in EFFECTS:
        raise ValueError(f"effect {fn.__name__} registered twice")
    EFFECTS[fn.__name__] = fn
    return fn


def run_effects(names: tuple[str, ...], ctx: StepContext) -> None:
    for name in names:
        EFFECTS[name](ctx)
