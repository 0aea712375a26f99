"""A SEC modification's switch: on or off, and in force from its effective date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Switch:
    enabled: bool
    effective_from: date

    def in_force(self, day: date) -> bool:
        """Whether the modification applies to what happens on `day` (a request's date, a
        job's run, a simulated day): enabled, and its effective date reached."""
        return self.enabled and day >= self.effective_from
