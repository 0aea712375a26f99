"""ESME use cases (GBCS 10, DLMS/COSEM xDLMS): their message codes and the device's
Responses to them.

Three Response shapes cover the ESME reads and non-critical commands (GBCS 10.2, as the RTDS
4.5.0 Responses of the same use cases show them):
- a command (SET and ACTION requests): an Access-Response with one null datum and one
  result per request, in request order;
- a read (GET requests): one datum per attribute read and a GET success each;
- a read of sensitive data (an ACTION on a Data Protection object, GBCS 10.2.4): the
  Get-Protected-Attributes response carrying the data encrypted (gbcs/dlms.py), and one
  ACTION success.

They are MACed with General-Ciphering (device KA and the User's KA) and not signed; some
reads carry the date-time of the reading in the grouping header (`dated`), as RTDS has it.
The message codes are the GBCS use-case identifiers as gbcs-parser names them, and the
titles those of @smartdcc/duis-templates `gbcs-mapping-table.json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from gbdsp.gbcs import dlms
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.dlms_data import Data, structure
from gbdsp.gbcs.frames import GroupingHeader, message
from gbdsp.gbcs.responses import Exchange

GET, SET, ACTION = 1, 2, 3
"""Access-Request/Response-Specification CHOICEs (GBCS 10.2.1; a GET with selection is
answered as a GET)."""


class EsmeCode(IntEnum):
    """ESME use cases gbdsp answers (the message code of GBCS Other-Information)."""

    ECS10 = 0x0021
    ECS12 = 0x0022
    ECS14 = 0x0023
    ECS15A = 0x0024
    ECS15C = 0x00C1
    ECS16 = 0x0025
    ECS17A = 0x0026
    ECS17C = 0x0028
    ECS17D = 0x0029
    ECS17E = 0x002A
    ECS18A = 0x002B
    ECS18B = 0x002C
    ECS19 = 0x002D
    ECS20A = 0x002E
    ECS20B = 0x002F
    ECS20C = 0x0030
    ECS20D = 0x00C9
    ECS21A = 0x0033
    ECS21B = 0x0034
    ECS21C = 0x0035
    ECS22A = 0x0036
    ECS22B = 0x0037
    ECS22C = 0x0038
    ECS23 = 0x0039
    ECS24 = 0x003A
    ECS24B = 0x00BD
    ECS25A = 0x00AC
    ECS25A1 = 0x00EA
    ECS25A2 = 0x00EB
    ECS25A3 = 0x00EC
    ECS25B = 0x00B0
    ECS25B3 = 0x00ED
    ECS25R1 = 0x00EE
    ECS25R2 = 0x00EF
    ECS26A = 0x003B
    ECS26B = 0x003C
    ECS26C = 0x003D
    ECS26D = 0x003E
    ECS26E = 0x003F
    ECS26F = 0x0040
    ECS26I = 0x0092
    ECS26J = 0x00BE
    ECS27 = 0x0042
    ECS28B = 0x0044
    ECS29A = 0x0045
    ECS29C = 0x00D1
    ECS29E = 0x00D3
    ECS34 = 0x0047
    ECS35A = 0x0048
    ECS35B = 0x0049
    ECS35C = 0x0093
    ECS35D = 0x0094
    ECS35E = 0x00B9
    ECS35F = 0x00BA
    ECS37 = 0x004A
    ECS39A = 0x004C
    ECS39B = 0x004D
    ECS40 = 0x004E
    ECS45 = 0x0052
    ECS50 = 0x0058
    ECS57 = 0x005A
    ECS61A = 0x00BB
    ECS61C = 0x005E
    ECS61D = 0x011C
    ECS61E = 0x011D
    ECS62 = 0x005F
    ECS66 = 0x0060
    ECS82 = 0x0069

    @property
    def title(self) -> str:
        return TITLES[self]


TITLES = {
    EsmeCode.ECS10: "ECS10 Send Message to ESME",
    EsmeCode.ECS12: "ECS12 Set Change of Tenancy date on ESME",
    EsmeCode.ECS14: "ECS14 Disable Privacy PIN Protection on ESME",
    EsmeCode.ECS15A: "ECS15a Clear ESME Event Log",
    EsmeCode.ECS15C: "ECS15c Clear Auxiliary Controller Event Log",
    EsmeCode.ECS16: "ECS16 Write Supplier Contact Details on ESME",
    EsmeCode.ECS17A: "ECS17a Read ESME Energy Registers (Export Energy)",
    EsmeCode.ECS17C: "ECS17c Read ESME Energy Registers (Power)",
    EsmeCode.ECS17D: "ECS17d Read ESME Energy Register (TOU)",
    EsmeCode.ECS17E: "ECS17e Read ESME Energy Register (TOU with Blocks)",
    EsmeCode.ECS18A: "ECS18a Read Maximum Demand Registers (export)",
    EsmeCode.ECS18B: "ECS18b Read Maximum Demand Registers (import)",
    EsmeCode.ECS19: "ECS19 Read ESME Prepayment Registers",
    EsmeCode.ECS20A: "ECS20a Read ESME Billing Data Log (payment based debt payments)",
    EsmeCode.ECS20B: "ECS20b Read ESME Billing Data Log (change of mode / tariff triggered"
    " exc export)",
    EsmeCode.ECS20C: "ECS20c Read ESME Billing Data Log (billing calendar triggered exc export)",
    EsmeCode.ECS20D: "ECS20d Read ESME Billing Data Log (prepayment credits)",
    EsmeCode.ECS21A: "ECS21a Read Electricity Daily Read Log (exc export)",
    EsmeCode.ECS21B: "ECS21b Read Electricity (Prepayment) Daily Read Log",
    EsmeCode.ECS21C: "ECS21c Read Electricity Daily Read Log (export only)",
    EsmeCode.ECS22A: "ECS22a Read Electricity Half Hour Profile Data (export)",
    EsmeCode.ECS22B: "ECS22b Read Electricity Half Hour Profile Data (active import)",
    EsmeCode.ECS22C: "ECS22c Read Electricity Half Hour Profile Data (reactive import)",
    EsmeCode.ECS23: "ECS23 Read Voltage Operational Data",
    EsmeCode.ECS24: "ECS24 Read ESME Tariff Data",
    EsmeCode.ECS24B: "ECS24b Read ESME Tariff Data - second element",
    EsmeCode.ECS25A: "ECS25a Set Alert Behaviours - ESME - Supplier",
    EsmeCode.ECS25A1: "ECS25a1 Set Event Behaviours - ESME to HAN Device - Supplier",
    EsmeCode.ECS25A2: "ECS25a2 Set Event Behaviours - ESME audible alarm - Supplier",
    EsmeCode.ECS25A3: "ECS25a3 Set Event Behaviours - ESME logging - Supplier",
    EsmeCode.ECS25B: "ECS25b Set Alert Behaviours - ESME - Network Operator",
    EsmeCode.ECS25B3: "ECS25b3 Set Event Behaviours - ESME logging - Network Operator",
    EsmeCode.ECS25R1: "ECS25r1 Read non-critical event and alert behaviours - ESME - Supplier",
    EsmeCode.ECS25R2: "ECS25r2 Read non-critical event and alert behaviours - ESME - Network"
    " Operator",
    EsmeCode.ECS26A: "ECS26a Read ESME Configuration Data Prepayment",
    EsmeCode.ECS26B: "ECS26b Read ESME Configuration Voltage Data",
    EsmeCode.ECS26C: "ECS26c Read ESME Configuration Data Device Information (randomisation)",
    EsmeCode.ECS26D: "ECS26d Read ESME Configuration Data Device Information (Billing Calendar)",
    EsmeCode.ECS26E: "ECS26e Read ESME Configuration Data Device Information (device identity"
    " exc MPAN)",
    EsmeCode.ECS26F: "ECS26f Read ESME Configuration Data Device Information (instantaneous"
    " power thresholds)",
    EsmeCode.ECS26I: "ECS26i Read Configuration Data Device Information (CHF identity)",
    EsmeCode.ECS26J: "ECS26j Read ESME Configuration Data Device Information (Payment Mode)",
    EsmeCode.ECS27: "ECS27 Read ESME Load Limit Data",
    EsmeCode.ECS28B: "ECS28b Set Load Limit Configuration Counter Reset",
    EsmeCode.ECS29A: "ECS29a Set Voltage Configurations on ESME",
    EsmeCode.ECS29C: "ECS29c Set Voltage Configurations on ESME without counter reset",
    EsmeCode.ECS29E: "ECS29e Reset RMS Voltage Counters on ESME",
    EsmeCode.ECS34: "ECS34 Set Instantaneous Power Threshold Configuration",
    EsmeCode.ECS35A: "ECS35a Read ESME Event Log",
    EsmeCode.ECS35B: "ECS35b Read ESME Security Log",
    EsmeCode.ECS35C: "ECS35c Read CHF Event Log",
    EsmeCode.ECS35D: "ECS35d Read CHF Security Log",
    EsmeCode.ECS35E: "ECS35e Read ESME Power Event Log",
    EsmeCode.ECS35F: "ECS35f Read ALCS Event Log",
    EsmeCode.ECS37: "ECS37 Set Maximum Demand Configurable Time Period",
    EsmeCode.ECS39A: "ECS39a Set MPAN Value on the ESME",
    EsmeCode.ECS39B: "ECS39b Set Export MPAN Value on the ESME",
    EsmeCode.ECS40: "ECS40 Read MPAN Value on the ESME",
    EsmeCode.ECS45: "ECS45 Read Status of Load Switch in the ESME",
    EsmeCode.ECS50: "ECS50 Send CIN to ESME",
    EsmeCode.ECS57: "ECS57 Reset ESME Maximum Demand Registers",
    EsmeCode.ECS61A: "ECS61a Read HC ALCS and ALCS Data from ESME",
    EsmeCode.ECS61C: "ECS61c Read Boost Function Data",
    EsmeCode.ECS61D: "ECS61d Read Auxiliary Controller Configuration Data",
    EsmeCode.ECS61E: "ECS61e Read Auxiliary Controller Operational Data",
    EsmeCode.ECS62: "ECS62 Set ALCS/APC and Boost Function Association",
    EsmeCode.ECS66: "ECS66 Read ESME Daily Consumption Log",
    EsmeCode.ECS82: "ECS82 Read Meter Balance for ESME",
}


def _header(ex: Exchange, code: int, dated: bool) -> GroupingHeader:
    at = ex.at if dated else None
    if ex.acb is None:
        return GroupingHeader(Cra.RESPONSE, ex.counter, ex.device, ex.recipient, code, at)
    return GroupingHeader(  # to an Unknown Remote Party, through the ACB (GBCS 7.2.10)
        Cra.RESPONSE,
        ex.counter,
        ex.device,
        ex.acb[0],
        code,
        at,
        supplementary_remote_party=ex.recipient,
        supplementary_counter=ex.counter,
        supplementary_originator_counter=ex.originator_counter,
    )


def _mac_z(ex: Exchange) -> bytes:
    """Z of the device's and the header's recipient's KA keys (the ACB's for a URP)."""
    return ex.z if ex.acb is None else ex.acb[1]


def command(ex: Exchange, code: int, requests: Sequence[int]) -> bytes:
    """The Response to a non-critical command of SET and ACTION `requests` (in order): one
    null datum and one success per request (GBCS 10.2.1)."""
    content = dlms.access_response(
        ex.counter, [b"\x00"] * len(requests), [(r, dlms.SUCCESS) for r in requests]
    )
    return message(_header(ex, code, False), content, z=_mac_z(ex))


def read(ex: Exchange, code: int, values: Sequence[Data], *, dated: bool = False) -> bytes:
    """The Response to a GET of one attribute per value, each read with success."""
    content = dlms.access_response(
        ex.counter, [v.encode() for v in values], [(GET, dlms.SUCCESS)] * len(values)
    )
    return message(_header(ex, code, dated), content, z=_mac_z(ex))


def protected_read(
    ex: Exchange, code: int, values: Sequence[Data], *, dated: bool = False
) -> bytes:
    """The Response to a Get-Protected-Attributes ACTION (GBCS 10.2.4): the structure of the
    protected object's captured values, encrypted for the recipient (CRA 04 key)."""
    plaintext = structure(*values).encode()
    counter = ex.counter if ex.originator_counter is None else ex.originator_counter
    data = dlms.protected_attributes(ex.z, ex.device, ex.recipient, counter, plaintext)
    content = dlms.access_response(ex.counter, [data], [(ACTION, dlms.SUCCESS)])
    return message(_header(ex, code, dated), content, z=_mac_z(ex))
