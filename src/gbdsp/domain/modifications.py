"""Which SEC modifications are in force on a date: the one value every rule consults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


class _Switch(Protocol):
    def in_force(self, on: date) -> bool: ...


class _Switches(Protocol):
    @property
    def mp39(self) -> _Switch: ...
    @property
    def mp60(self) -> _Switch: ...
    @property
    def mp121(self) -> _Switch: ...
    @property
    def mp169(self) -> _Switch: ...
    @property
    def mp202(self) -> _Switch: ...


@dataclass(frozen=True, slots=True)
class InForce:
    mp39: bool = False
    mp60: bool = False
    mp121: bool = False
    mp169: bool = False
    mp202: bool = False

    @classmethod
    def on(cls, switches: _Switches, day: date) -> InForce:
        return cls(
            *(
                getattr(switches, m).in_force(day)
                for m in ("mp39", "mp60", "mp121", "mp169", "mp202")
            )
        )
