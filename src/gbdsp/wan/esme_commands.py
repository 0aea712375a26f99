"""ESME Responses to non-critical commands: one null datum and one result per SET or ACTION
request of the command (gbcs/esme.py `command`). Which requests a command has follows from
the use case and the request's values, as the RTDS 4.5.0 commands of the same use cases
have them (an optional value given is one more SET or ACTION)."""

from __future__ import annotations

from collections.abc import Callable

from gbdsp.gbcs import esme
from gbdsp.gbcs.esme import ACTION, SET, EsmeCode
from gbdsp.wan.gbcs_ask import Ask


def _answer(ask: Ask, code: EsmeCode, requests: list[int]) -> bytes:
    return esme.command(ask.exchange(), code, requests)


FIXED = {
    EsmeCode.ECS10: (SET,),  # 3.1 Display Message: the supplier message 0-2:96.13.1.255
    EsmeCode.ECS12: (SET,),  # 3.2 Restrict Access for Change of Tenancy: the date-time
    EsmeCode.ECS14: (SET,),  # 3.5 Reset Customer PIN (disable privacy PIN protection)
    EsmeCode.ECS28B: (ACTION,),  # 6.4.2 Load Limiting Counter Reset
    EsmeCode.ECS29E: (ACTION, ACTION),  # 6.27 RMS voltage sag and swell counters reset
    EsmeCode.ECS34: (SET,),  # 6.12 Instantaneous Power Thresholds (register monitor)
    EsmeCode.ECS37: (SET,),  # 6.18.1 Maximum Demand Configurable Time Period schedule
    EsmeCode.ECS39A: (SET,),  # 6.20.1 Set Import MPxN
    EsmeCode.ECS39B: (SET,),  # 6.20.2 Set Export MPAN
    EsmeCode.ECS50: (SET,),  # 9.1 the CIN the ESME shows
}
"""The commands of one use case whose requests are always the same (RTDS 4.5.0)."""


def fixed(code: EsmeCode) -> Callable[[Ask], bytes]:
    """The builder of a command of `FIXED`."""
    requests = list(FIXED[code])

    def build(ask: Ask) -> bytes:
        return _answer(ask, code, requests)

    build.__doc__ = f"{code.title}: {len(requests)} request(s), always."
    return build


def ecs15(ask: Ask) -> bytes:
    """3.3 Clear Event Log: the reset method of the ESME event log (ECS15a) or of the ALCS
    event log (ECS15c, ESMEEventLogType ALCS)."""
    code = EsmeCode.ECS15C if ask.text("ESMEEventLogType") == "ALCS" else EsmeCode.ECS15A
    return _answer(ask, code, [ACTION])


def ecs16(ask: Ask) -> bytes:
    """3.4 Update Supplier Name: a SET of the telephone number and of the name, each given."""
    given = [n for n in ("SupplierTelephoneNumber", "SupplierName") if ask.has(n)]
    return _answer(ask, EsmeCode.ECS16, [SET] * max(1, len(given)))


ALERT_SETTINGS = {
    "ElectricitySupplierAlerts": EsmeCode.ECS25A,
    "ElectricitySupplierHANAlertSettings": EsmeCode.ECS25A1,
    "ElectricitySupplierAlarmSettings": EsmeCode.ECS25A2,
    "ElectricitySupplierLoggingSettings": EsmeCode.ECS25A3,
    "ElectricityNetworkOperatorAlerts": EsmeCode.ECS25B,
    "ElectricityNetworkOperatorLoggingSettings": EsmeCode.ECS25B3,
}
"""6.22: which behaviour bit-string the request sets (one SET each, GBCS ECS25a-ECS25b3)."""


def ecs25(ask: Ask) -> bytes:
    """6.22 Configure Alert Behaviour: one SET of the behaviours' bit-string."""
    code = next((c for name, c in ALERT_SETTINGS.items() if ask.has(name)), EsmeCode.ECS25A)
    return _answer(ask, code, [SET])


def ecs29(ask: Ask) -> bytes:
    """6.5 Update Device Configuration (Voltage), single phase: 11 SETs of the RMS and
    average voltage settings, then (ECS29a) the reset of the sag and swell counters, or
    not (ECS29c, RMSVoltageCountersNotReset)."""
    if ask.has("RMSVoltageCountersNotReset"):
        return _answer(ask, EsmeCode.ECS29C, [SET] * 11)
    return _answer(ask, EsmeCode.ECS29A, [SET] * 11 + [ACTION] * 2)


MAXIMUM_DEMAND_REGISTERS = (
    "MaxDemandActivePowerImportValue",
    "MaxDemandActivePowerExportValue",
    "MaxDemandConfigTimeActivePowerImportValue",
)


def ecs57(ask: Ask) -> bytes:
    """6.18.2 Reset Maximum Demand Registers: the reset method of each register named."""
    named = [n for n in MAXIMUM_DEMAND_REGISTERS if ask.has(n)]
    return _answer(ask, EsmeCode.ECS57, [ACTION] * max(1, len(named)))


def ecs62(ask: Ask) -> bytes:
    """7.9 / 7.10 Add or Remove Auxiliary Load to/from Boost Button: a SET per switch given."""
    given = ask.count("AddToBoostButton") + ask.count("RemoveFromBoostButton")
    return _answer(ask, EsmeCode.ECS62, [SET] * max(1, given))
