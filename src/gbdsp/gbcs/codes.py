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
    ECS04A = 0x001C
    """ECS04a Adjust Meter Balance on the ESME — SRV 1.5 (critical)."""
    ECS04B = 0x00B3
    """ECS04b Reset Meter Balance on the ESME — SRV 1.5 (critical)."""
    ECS05 = 0x001D
    """ECS05 Reset Tariff Block Counter Matrix — SRV 1.7 (critical)."""
    GCS40A = 0x0086
    """GCS40a Adjust Prepayment Mode Meter Balance on the GSME — SRV 1.5 (critical)."""
    GCS40B = 0x00B4
    """GCS40b Reset Prepayment Mode Meter Balance on the GSME — SRV 1.5 (critical)."""
    GCS40C = 0x00C0
    """GCS40c Adjust Credit Mode Meter Balance on a GSME — SRV 1.5 (critical)."""
    GCS40D = 0x00C2
    """GCS40d Reset Credit Mode Meter Balance on a GSME — SRV 1.5 (critical)."""
    ECS09 = 0x0020
    """ECS09 Activate Emergency Credit Remotely on ESME — SRV 2.5 (critical)."""
    GCS06 = 0x0070
    """GCS06 Activate Emergency Credit Remotely on GSME — SRV 2.5 (critical)."""
    ECS38 = 0x004B
    """ECS38 Update Randomised Offset Limit — SRV 7.12 (critical)."""
    ECS81 = 0x0068
    """ECS81 Set Supply Tamper State on ESME — SRV 6.25 (critical)."""
    ECS48 = 0x00DB
    """ECS48 Configure daily resetting of Tariff Block Counter Matrix — SRV 6.26 (critical)."""
    ECS30 = 0x0046
    """ECS30 Set Billing Calendar on the ESME (monthly) — SRV 6.8 (critical)."""
    ECS30A = 0x00D7
    """ECS30a Set Billing Calendar on the ESME - all periodicities — SRV 6.8 (critical)."""
    GCS28 = 0x007F
    """GCS28 Set Clock on GSME — SRV 6.11 (critical)."""
    GCS23 = 0x007C
    """GCS23 Set CV and Conversion Factor Value(s) on the GSME — SRV 6.6 (critical)."""
    GCS25 = 0x007E
    """GCS25 Set Billing Calendar on the GSME — SRV 6.8 (critical)."""
    GCS25A = 0x00D8
    """GCS25a Set Billing Calendar on the GSME - all periodicities — SRV 6.8 (critical)."""
    ECS46A = 0x0053
    """ECS46a Set Auxiliary Controller Descriptions — SRV 6.14.1 (critical)."""
    ECS42 = 0x004F
    """ECS42 Remotely close the load switch on the ESME — SRV 7.1 (critical)."""
    ECS43 = 0x0050
    """ECS43 Remotely open the load switch on the ESME — SRV 7.2 (critical)."""
    ECS44 = 0x0051
    """ECS44 Arm the load switch on the ESME — SRV 7.3 (critical)."""
    GCS32 = 0x0081
    """GCS32 Remotely close the valve on the GSME — SRV 7.2 (critical)."""
    GCS39 = 0x0085
    """GCS39 Arm the valve on the GSME — SRV 7.3 (critical)."""

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    MessageCode.ECS17B: "ECS17b Read ESME Energy Registers (Import Energy)",
    MessageCode.ECS52: "ECS52 Read ESME/Comms Hub Firmware Version",
    MessageCode.GCS13A: "GCS13a Read GSME Consumption Register",
    MessageCode.GCS38: "GCS38 Read GSME Firmware Version",
    MessageCode.CS08: "CS08 Read PPMID/HCALCS Firmware Version",
    MessageCode.ECS04A: "ECS04a Adjust Meter Balance on the ESME",
    MessageCode.ECS04B: "ECS04b Reset Meter Balance on the ESME",
    MessageCode.ECS05: "ECS05 Reset Tariff Block Counter Matrix",
    MessageCode.GCS40A: "GCS40a Adjust Prepayment Mode Meter Balance on the GSME",
    MessageCode.GCS40B: "GCS40b Reset Prepayment Mode Meter Balance on the GSME",
    MessageCode.GCS40C: "GCS40c Adjust Credit Mode Meter Balance on the GSME",
    MessageCode.GCS40D: "GCS40d Reset Credit Mode Meter Balance on the GSME",
    MessageCode.ECS09: "ECS09 Activate Emergency Credit Remotely on ESME",
    MessageCode.GCS06: "GCS06 Activate Emergency Credit Remotely on GSME",
    MessageCode.ECS38: "ECS38 Update Randomised Offset Limit",
    MessageCode.ECS81: "ECS81 Set Supply Tamper State on ESME",
    MessageCode.ECS48: "ECS48 Configure daily resetting of Tariff Block Counter Matrix",
    MessageCode.ECS30: "ECS30 Set Billing Calendar on the ESME",
    MessageCode.ECS30A: "ECS30a Set Billing Calendar on the ESME - all periodicities",
    MessageCode.GCS28: "GCS28 Set Clock on GSME",
    MessageCode.GCS23: "GCS23 Set CV and Conversion Factor Value(s) on the GSME",
    MessageCode.GCS25: "GCS25 Set Billing Calendar on the GSME",
    MessageCode.GCS25A: "GCS25a Set Billing Calendar on the GSME - all periodicities",
    MessageCode.ECS46A: "ECS46a Set Auxiliary Controller Descriptions",
    MessageCode.ECS42: "ECS42 Remotely Close the Load Switch on the ESME",
    MessageCode.ECS43: "ECS43 Remotely Open the Load Switch on the ESME",
    MessageCode.ECS44: "ECS44 Arm Load Switch in ESME",
    MessageCode.GCS32: "GCS32 Remotely close the valve in the GSME",
    MessageCode.GCS39: "GCS39 Arm Valve in GSME",
}
