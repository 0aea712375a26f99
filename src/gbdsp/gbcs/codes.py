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
    # GSME/GPF
    GCS07 = 0x0071
    """GCS07 Send Message to GSME — SRV 3.1."""
    GCS09 = 0x0072
    """GCS09 Set Change of Tenancy date on GPF — SRV 3.2."""
    GCS11 = 0x0073
    """GCS11 Disable Privacy PIN Protection on GSME — SRV 3.5."""
    GCS44 = 0x0088
    """GCS44 Write Contact Details on GSME — SRV 3.4."""
    GCS41 = 0x0087
    """GCS41 Set MPRN Value on the GSME — SRV 6.20.1."""
    GCS36 = 0x0083
    """GCS36 Send CIN to GSME — SRV 9.1."""
    GCS20 = 0x00AD
    """GCS20 Set Alert Behaviours - GSME — SRV 6.22."""
    GCS31 = 0x0080
    """GCS31 Start Network Data Log on GSME — SRV 14.1."""
    GCS33 = 0x0082
    """GCS33 Read GSME Valve Status — SRV 7.4."""
    GCS46 = 0x0089
    """GCS46 Read MPRN on the GSME — SRV 6.2.7."""
    GCS21J = 0x00BF
    """GCS21j Read GSME Configuration Data Device Information (Payment Mode) — SRV 6.2.9."""
    GCS21K = 0x00DA
    """GCS21k Read GSME Configuration Data (BillingCalendar, all periodicities) — SRV 6.2.3."""
    GCS21M = 0x00FB
    """GCS21m Read GSME Configuration Data (identity, supply tamper/depletion) — SRV 6.2.4."""
    GCS21A = 0x007B
    """GCS21a Read Gas Configuration Data Device Information — SRV 6.2.8."""
    GCS13B = 0x00B8
    """GCS13b Read GSME Block Counters — SRV 4.1.4."""
    GCS13C = 0x00B6
    """GCS13c Read GSME Register (TOU) — SRV 4.1.2."""
    GCS14 = 0x0075
    """GCS14 Read GSME Prepayment Register(s) — SRV 4.3."""
    GCS60A = 0x012A
    """GCS60a Read Meter Balance for GSME — SRV 4.18."""
    GCS17 = 0x0078
    """GCS17 Read GSME Profile Data Log — SRV 4.8.1."""
    GCS18 = 0x0079
    """GCS18 Read Gas Network Data Log — SRV 4.10."""
    GCS61 = 0x00A0
    """GCS61 Read Gas Daily Consumption Log — SRV 4.17."""
    GCS16A = 0x0077
    """GCS16a Read GSME Daily Read Log — SRV 4.6.1."""
    GCS16B = 0x0096
    """GCS16b Read GSME Daily Read log(s) (prepayment) — SRV 4.14."""
    GCS15B = 0x00C3
    """GCS15b Read GSME Billing Data Log (change of mode / tariff triggered) — SRV 4.4.2."""
    GCS15C = 0x0076
    """GCS15c Read GSME Billing Data Log (billing calendar triggered) — SRV 4.4.3."""
    GCS15D = 0x00C4
    """GCS15d Read GSME Billing Data Log (payment-based debt payments) — SRV 4.4.4."""
    GCS15E = 0x00C5
    """GCS15e Read GSME Billing Data Log (prepayment credits) — SRV 4.4.5."""
    GCS21F = 0x009F
    """GCS21f Read GSME Tariff Data — SRV 4.11.1."""
    GCS21B = 0x00B5
    """GCS21b Read GSME Configuration Data Prepayment — SRV 4.13."""
    GCS20R = 0x00F1
    """GCS20r Read non-critical event and alert behaviours - GSME - Supplier — SRV 6.2.10."""
    # CS
    CS01A = 0x0007
    """CS01a Apply Prepayment Top Up to an ESME — SRV 2.2."""
    CS01B = 0x0097
    """CS01b Apply Prepayment Top Up to a GSME — SRV 2.2."""
    CS11 = 0x0015
    """CS11 Clear ZigBee Device Event Log — SRV 3.3."""
    CS10A = 0x0014
    """CS10a Read ZigBee Device Event Log — SRV 6.13."""
    CS10B = 0x00A1
    """CS10b Read ZigBee Device Security Log — SRV 6.13."""
    CS03B = 0x000E
    """CS03B Method B Join — SRV 8.7.2."""
    CS04B = 0x0010
    """CS04B Method B Unjoin — SRV 8.8.2."""
    CS03A2 = 0x00AB
    """CS03A2 Method A Join (non Meter) — SRV 8.7.1, 8.7.2."""
    CS03C = 0x00AF
    """CS03C Method C Join — SRV 8.7.1, 8.7.2."""
    CS04AC = 0x000F
    """CS04AC Method A or C Unjoin — SRV 8.8.1, 8.8.2."""
    CS03A1 = 0x000D
    """CS03A1 Method A Join (Meter) — SRV 8.7.1."""
    CS07 = 0x0013
    """CS07 Read Device Join Details — SRV 8.9."""
    GCS59 = 0x008C
    """GCS59 Restore GPF Device Log — SRV 8.12.2."""
    CS02A = 0x0008
    """CS02a Provide Security Credentials Details — SRV 6.24.1."""
    CS02F = 0x011B
    """CS02f Provide Security Credential Details (Load Controller) — SRV 6.24.1."""
    CS02B_SUPPLIER = 0x0102
    """CS02b Update Security Credentials (supplierBySupplier) — SRV 6.15.1, 6.21 (critical)."""
    CS02B_NETWORK_OPERATOR = 0x0103
    """CS02b Update Security Credentials (networkOperatorByNetworkOperator) — SRV 6.15.1,
    6.21."""
    CS02B_ACB = 0x0104
    """CS02b Update Security Credentials (accessControlBrokerByACB) — SRV 8.5."""
    CS02B_TRANSCOS = 0x0107
    """CS02b Update Security Credentials (supplierByTransCoS) — SRV 6.23."""
    CS02G = 0x0126
    """CS02g Update Security Credentials (loadControllerBySupplier) — SRV 6.15.1 (critical)."""
    CS02B_ALERT = 0x00CB
    """Future Dated Update Security Credentials Alert (8F66 of a CS02b)."""
    CS02G_ALERT = 0x0124
    """Future Dated Update Security Credentials Alert (8F66 of a CS02g)."""
    CS02C = 0x000A
    """CS02c Issue Security Credentials — SRV 6.17 (critical)."""
    CS02D = 0x000B
    """CS02d Update Device Certificates on Device — SRV 6.15.2 (critical)."""
    CS02E = 0x000C
    """CS02e Provide Device Certificates from Device — SRV 6.24.2 (critical)."""
    CS06 = 0x0012
    """CS06 Activate Firmware — SRV 11.3 (critical)."""
    CS06_ALERT = 0x00CA
    """Future Dated Firmware Activation Alert (8F66 of a CS06)."""

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
    # GSME/GPF
    MessageCode.GCS07: "GCS07 Send Message to GSME",
    MessageCode.GCS09: "GCS09 Set Change of Tenancy date on GPF",
    MessageCode.GCS11: "GCS11 Disable Privacy PIN Protection on GSME",
    MessageCode.GCS44: "GCS44 Write Contact Details on GSME",
    MessageCode.GCS41: "GCS41 Set MPRN Value on the GSME",
    MessageCode.GCS36: "GCS36 Send CIN to GSME",
    MessageCode.GCS20: "GCS20 Set Alert Behaviours - GSME",
    MessageCode.GCS31: "GCS31 Start Network Data Log on GSME",
    MessageCode.GCS33: "GCS33 Read GSME Valve Status",
    MessageCode.GCS46: "GCS46 Read MPRN on the GSME",
    MessageCode.GCS21J: ("GCS21j Read GSME Configuration Data Device Information (Payment Mode)"),
    MessageCode.GCS21K: (
        "GCS21k Read GSME Configuration Data Device Information "
        "(BillingCalendar - all periodicities)"
    ),
    MessageCode.GCS21M: (
        "GCS21m Read GSME Configuration Data Device Information "
        "(identity, type and supply tamper / depletion state)"
    ),
    MessageCode.GCS21A: "GCS21a Read Gas Configuration Data Device Information",
    MessageCode.GCS13B: "GCS13b Read GSME Block Counters",
    MessageCode.GCS13C: "GCS13c Read GSME Register (TOU)",
    MessageCode.GCS14: "GCS14 Read GSME Prepayment Register(s)",
    MessageCode.GCS60A: "GCS60a Read Meter Balance for GSME",
    MessageCode.GCS17: "GCS17 Read GSME Profile Data Log",
    MessageCode.GCS18: "GCS18 Read Gas Network Data Log",
    MessageCode.GCS61: "GCS61 Read Gas Daily Consumption Log",
    MessageCode.GCS16A: "GCS16a Read GSME Daily Read Log",
    MessageCode.GCS16B: "GCS16b Read GSME Daily Read log(s) (prepayment)",
    MessageCode.GCS15B: "GCS15b Read GSME Billing Data Log (change of mode / tariff triggered)",
    MessageCode.GCS15C: "GCS15c Read GSME Billing Data Log (billing calendar triggered)",
    MessageCode.GCS15D: "GCS15d Read GSME Billing Data Log (payment-based debt payments)",
    MessageCode.GCS15E: "GCS15e Read GSME Billing Data Log (prepayment credits)",
    MessageCode.GCS21F: "GCS21f Read GSME Tariff Data",
    MessageCode.GCS21B: "GCS21b Read GSME Configuration Data Prepayment",
    MessageCode.GCS20R: "GCS20r Read non-critical event and alert behaviours - GSME - Supplier",
    # CS
    MessageCode.CS01A: "CS01a Apply Prepayment Top Up to an ESME",
    MessageCode.CS01B: "CS01b Apply Prepayment Top Up to a GSME",
    MessageCode.CS11: "CS11 Clear ZigBee Device Event Log",
    MessageCode.CS10A: "CS10a Read ZigBee Device Event Log",
    MessageCode.CS10B: "CS10b Read ZigBee Device Security Log",
    MessageCode.CS03B: "CS03B Method B Join",
    MessageCode.CS04B: "CS04B Method B Unjoin",
    MessageCode.CS03A2: "CS03A2 Method A Join (non Meter)",
    MessageCode.CS03C: "CS03C Method C Join",
    MessageCode.CS04AC: "CS04AC Method A or C Unjoin",
    MessageCode.CS03A1: "CS03A1 Method A Join (Meter)",
    MessageCode.CS07: "CS07 Read Device Join Details",
    MessageCode.GCS59: "GCS59 Restore GPF Device Log",
    MessageCode.CS02A: "CS02a Provide Security Credentials Details",
    MessageCode.CS02F: "CS02f Provide Security Credential Details (Load Controller)",
    MessageCode.CS02B_SUPPLIER: "CS02b Update Security Credentials (supplierBySupplier)",
    MessageCode.CS02B_NETWORK_OPERATOR: (
        "CS02b Update Security Credentials (networkOperatorByNetworkOperator)"
    ),
    MessageCode.CS02B_ACB: "CS02b Update Security Credentials (accessControlBrokerByACB)",
    MessageCode.CS02B_TRANSCOS: "CS02b Update Security Credentials (supplierByTransCoS)",
    MessageCode.CS02G: "CS02g Update Security Credentials (loadControllerBySupplier)",
    MessageCode.CS02B_ALERT: "Future Dated Update Security Credentials Alert",
    MessageCode.CS02G_ALERT: "Future Dated Update Security Credentials Alert (Load Controller)",
    MessageCode.CS02C: "CS02c Issue Security Credentials",
    MessageCode.CS02D: "CS02d Update Device Certificates on Device",
    MessageCode.CS02E: "CS02e Provide Device Certificates from Device",
    MessageCode.CS06: "CS06 Activate Firmware",
    MessageCode.CS06_ALERT: "Futured Dated Firmware Activation Alert",
}
