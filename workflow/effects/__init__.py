"""Effects, one module per family. Importing this package registers them all."""

from . import facts  # noqa: F401
from .registry import EFFECTS, effect, run_effects

__all__ = ["EFFECTS", "effect", "run_effects"]
