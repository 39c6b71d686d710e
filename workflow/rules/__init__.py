"""Guards, one module per legal topic. Importing this package registers them all."""

from . import structural  # noqa: F401
from .registry import GUARDS, Guard, guard, run_guards

__all__ = ["GUARDS", "Guard", "guard", "run_guards"]
