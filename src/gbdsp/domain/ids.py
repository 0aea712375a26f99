"""EUI-64 identifiers: Device IDs and User IDs (GBCS / DUIS `sr:EUI`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self

from gbdsp.domain.errors import InvalidValue

# Eight octets, with one separator used throughout or none at all.
_EUI = re.compile(r"[0-9A-Fa-f]{2}(?P<sep>[-: ]?)(?:[0-9A-Fa-f]{2}(?P=sep)){6}[0-9A-Fa-f]{2}")
_SEPARATORS = str.maketrans("", "", "-: ")
_SIGN_BIT = 1 << 63


@dataclass(frozen=True, slots=True, order=True)
class Eui64:
    """An EUI-64, held as its 64-bit value; printed the DUIS way (`00-DB-12-34-56-78-90-A2`).

    Accepts the DUIS form, the bare 16 hex digits, or `:` separators, in any case, so that
    IDs pasted from GBCS tools, CSV extracts and DUIS XML all compare equal.
    """

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value < 1 << 64:
            raise InvalidValue(f"EUI-64 value out of range: {self.value}")

    @classmethod
    def parse(cls, text: str) -> Self:
        stripped = text.strip()
        if not _EUI.fullmatch(stripped):
            raise InvalidValue(
                f"not an EUI-64: {text!r} (expected 8 hex octets such as 00-DB-12-34-56-78-90-A2)"
            )
        return cls(int(stripped.translate(_SEPARATORS), 16))

    @classmethod
    def from_signed(cls, value: int) -> Self:
        """Inverse of `signed`: storage keeps EUI-64s in a signed 64-bit integer column."""
        return cls(value + (1 << 64) if value < 0 else value)

    @property
    def signed(self) -> int:
        return self.value - (1 << 64) if self.value & _SIGN_BIT else self.value

    @property
    def hex(self) -> str:
        return f"{self.value:016X}"

    def __str__(self) -> str:
        h = self.hex
        return "-".join(h[i : i + 2] for i in range(0, 16, 2))

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{self}')"


class DeviceId(Eui64):
    """The Device ID of a Device in the SMI (SEC: EUI-64 for SMETS2+ Devices)."""

    __slots__ = ()


class UserId(Eui64):
    """The User ID of a DCC User (an EUI-64 allocated to the User)."""

    __slots__ = ()


DCC_ACCESS_CONTROL_BROKER = UserId.parse("90-B3-D5-1F-30-00-00-02")
"""The DSP's own EUI: the target of Non-Device requests and the signer of its responses."""
