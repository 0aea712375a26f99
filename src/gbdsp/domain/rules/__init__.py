"""The SEC modifications gbdsp implements, each one policy behind one switch.

One module per modification (mp39, mp60, mp121, mp169, mp202) holds its settings (a frozen
value, its switch among them), its policy while in force and its policy when off (the SEC
as it stands without it). `rules_on(settings, day)` is the one place that turns the settings
into the policies of a day; the rest of the code asks a policy its question ("may this alert
reach Users?", "which housekeeping rule applies?") and never tests a switch itself. The
configuration (`[modifications.mpNN]`, config.py) builds the settings; this package knows
nothing of files.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from gbdsp.domain.rules import mp39, mp60, mp121, mp169, mp202
from gbdsp.domain.rules.switch import Switch

__all__ = ["NAMES", "Rules", "Settings", "Switch", "rules_on"]


@dataclass(frozen=True, slots=True)
class Settings:
    """Every modification's settings, as configured."""

    mp39: mp39.Settings
    mp60: mp60.Settings
    mp121: mp121.Settings
    mp169: mp169.Settings
    mp202: mp202.Settings


@dataclass(frozen=True, slots=True)
class Rules:
    """The policy of each modification on one day."""

    mp39: mp39.Policy
    mp60: mp60.Policy
    mp121: mp121.Policy
    mp169: mp169.Policy
    mp202: mp202.Policy

    def in_force(self) -> tuple[str, ...]:
        """The names of the modifications in force, in `NAMES` order."""
        return tuple(name for name in NAMES if getattr(self, name).in_force)


def rules_on(settings: Settings, day: date) -> Rules:
    """The policies that apply to what happens on `day`."""
    return Rules(
        mp39=mp39.policy(settings.mp39, day),
        mp60=mp60.policy(settings.mp60, day),
        mp121=mp121.policy(settings.mp121, day),
        mp169=mp169.policy(settings.mp169, day),
        mp202=mp202.policy(settings.mp202, day),
    )


NAMES: tuple[str, ...] = tuple(f.name for f in fields(Rules))
"""The modifications, by their configuration names: mp39, mp60, mp121, mp169, mp202."""
