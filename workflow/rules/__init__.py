"""Guards, one module per legal topic. Importing this package registers them all."""

from . import (  # noqa: F401 - registration happens at import
    approval,
    control_lines,
    expropriation,
    farmland,
    four_eyes,
    idle,
    inspection,
    quota,
    registration,
    structural,
    supply,
)
from .registry import GUARDS, Guard, guard, run_guards

__all__ = ["GUARDS", "Guard", "guard", "run_guards"]
