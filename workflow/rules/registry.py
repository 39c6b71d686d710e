"""The rule registry: a guard is one small function over a ``StepContext`` that calls
``ctx.violate(CODE, **details)`` for every breach it finds. Registering it takes one decorator;
naming it in a step's ``guards`` (``states.lifecycle``) puts it on that edge. Its codes and
messages live in ``workflow.codes``. Each guard carries a short Chinese title (``zh``) beside its
English meaning: the console shows the title in Chinese, the meaning in English."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflow.codes import CODES
from workflow.context import StepContext

GuardFn = Callable[[StepContext], None]


@dataclass(frozen=True)
class Guard:
    name: str
    fn: GuardFn
    codes: tuple[str, ...]
    source: str
    meaning: str
    # False when the guard needs the request body, so it cannot run in the pre-check.
    precheck: bool = True
    # The rule's title in Chinese (users read Chinese first; ``meaning`` is the English fallback).
    zh: str = ""

    def title(self, lang: str = "zh") -> str:
        """The rule in the user's language: the Chinese title, else the English meaning."""
        return self.meaning if lang == "en" or not self.zh else self.zh

    def __call__(self, ctx: StepContext) -> None:
        before = len(ctx.violations)
        self.fn(ctx)
        for v in ctx.violations[before:]:
            if v.rule not in self.codes:
                raise AssertionError(f"guard {self.name} raised undeclared code {v.rule}")


GUARDS: dict[str, Guard] = {}


def guard(*, codes: tuple[str, ...], source: str, meaning: str, precheck: bool = True,
          zh: str = "") -> Callable[[GuardFn], GuardFn]:
    """Register a guard under its function name, with the codes it may raise, the legal source
    it enforces, a one-line meaning and its Chinese title ``zh`` (all end up in
    ``docs/rules.md``; a unit test fails for a guard without a Chinese title)."""

    def register(fn: GuardFn) -> GuardFn:
        name = fn.__name__
        if name in GUARDS:
            raise ValueError(f"guard {name} registered twice")
        unknown = [c for c in codes if c not in CODES]
        if unknown:
            raise ValueError(f"guard {name} uses codes missing from workflow.codes: {unknown}")
        GUARDS[name] = Guard(name, fn, codes, source, meaning, precheck, zh)
        return fn

    return register


def run_guards(names: tuple[str, ...], ctx: StepContext) -> None:
    """Run every guard of the edge; collect all violations and one result per guard."""
    for name in names:
        g = GUARDS[name]
        before, read_before = len(ctx.violations), len(ctx.datasets_read)
        g(ctx)
        found = ctx.violations[before:]
        result: dict[str, Any] = {"rule": name, "passed": not found,
                                  "codes": sorted({v.rule for v in found})}
        read = ctx.datasets_read[read_before:]
        if read:
            # The reference layers the guard judged the land on, so that a step can be
            # re-judged against the same map.
            result["datasets"] = [dict(t) for t in dict.fromkeys(tuple(d.items()) for d in read)]
        ctx.rule_results.append(result)
