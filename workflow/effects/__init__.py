"""Effects, one module per family. Importing this package registers them all."""

from workflow.effects import certificates, clocks, facts, ledgers  # noqa: F401 - registration happens at import
from workflow.effects.registry import EFFECTS, effect, run_effects

__all__ = ["EFFECTS", "effect", "run_effects"]
