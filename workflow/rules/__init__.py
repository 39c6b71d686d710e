"""Guards, one module per legal topic. Importing this package registers them all."""

from workflow.rules import (
    approval,  # noqa: F401 - registration happens at import
    control_lines,  # noqa: F401 - registration happens at import
    expropriation,  # noqa: F401 - registration happens at import
    farmland,  # noqa: F401 - registration happens at import
    four_eyes,  # noqa: F401 - registration happens at import
    idle,  # noqa: F401 - registration happens at import
    inspection,  # noqa: F401 - registration happens at import
    quota,  # noqa: F401 - registration happens at import
    registration,  # noqa: F401 - registration happens at import
    structural,  # noqa: F401 - registration happens at import
    supply,  # noqa: F401 - registration happens at import
    survey,  # noqa: F401 - registration happens at import
)
from workflow.rules.registry import GUARDS, Guard, guard, run_guards

__all__ = ["GUARDS", "Guard", "guard", "run_guards"]
