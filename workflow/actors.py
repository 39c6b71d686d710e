"""Who is acting: the account behind a request, or the system itself (the sweep)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    role: str
    township_id: int | None = None

    @property
    def is_system(self) -> bool:
        return self.role == "system"


SYSTEM = Actor(id=None, name="system", role="system")
