"""Message codes (GBCS Other-Information, "Message Code") and CRA flags.

The numeric codes are the GBCS use-case identifiers as @smartdcc/gbcs-parser names them; the
use-case titles and SRVs are those of @smartdcc/duis-templates `gbcs-mapping-table.json`.
"""

from __future__ import annotations

from enum import IntEnum


class Cra(IntEnum):
    """GBCS 7.2.7 CRA flag of the General-Signing grouping header."""

    COMMAND = 1
    RESPONSE = 2
    ALERT = 3


ENCRYPTION_CRA = 4
"""The CRA-flag octet of the KDF other-info when deriving a key for sensitive data (GBCS 4.3.3)."""


class MessageCode(IntEnum):
    """The GBCS use cases gbdsp encodes (code -> GBCS title; SRV in the docstring of each)."""

    ECS17B = 0x0027
    """ECS17b Read ESME Energy Registers (Import Energy) — SRV 4.1.1."""
    ECS52 = 0x0059
    """ECS52 Read ESME/Comms Hub Firmware Version — SRV 11.2."""
    GCS13A = 0x0074
    """GCS13a Read GSME Consumption Register — SRV 4.1.1."""
    GCS38 = 0x0084
    """GCS38 Read GSME Firmware Version — SRV 11.2."""
    CS08 = 0x0129
    """CS08 Read PPMID/HCALCS Firmware Version — SRV 11.2."""

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    MessageCode.ECS17B: "ECS17b Read ESME Energy Registers (Import Energy)",
    MessageCode.ECS52: "ECS52 Read ESME/Comms Hub Firmware Version",
    MessageCode.GCS13A: "GCS13a Read GSME Consumption Register",
    MessageCode.GCS38: "GCS38 Read GSME Firmware Version",
    MessageCode.CS08: "CS08 Read PPMID/HCALCS Firmware Version",
}
