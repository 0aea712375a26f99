"""ESME Responses to non-critical commands: one null datum and one result per SET or ACTION
request of the command (gbcs/esme.py `command`). Which requests a command has follows from
the use case and the request's values, as the RTDS 4.5.0 commands of the same use cases
have them (an optional value given is one more SET or ACTION)."""

from __future__ import annotations

from gbdsp.gbcs import esme
from gbdsp.gbcs.esme import ACTION, SET, EsmeCode
from gbdsp.wan.esme_ask import Ask


def _answer(ask: Ask, code: EsmeCode, requests: list[int]) -> bytes:
    return esme.command(ask.exchange(), code, requests)


def ecs10(ask: Ask) -> bytes:
    """3.1 Display Message: SET of the supplier message (0-2:96.13.1.255)."""
    return _answer(ask, EsmeCode.ECS10, [SET])


def ecs12(ask: Ask) -> bytes:
    """3.2 Restrict Access for Change of Tenancy: SET of the restriction date-time."""
    return _answer(ask, EsmeCode.ECS12, [SET])


def ecs14(ask: Ask) -> bytes:
    """3.5 Reset Customer PIN (disable privacy PIN protection): one SET."""
    return _answer(ask, EsmeCode.ECS14, [SET])


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


def ecs28b(ask: Ask) -> bytes:
    """6.4.2 Load Limiting Counter Reset: the reset method of the load limit counter."""
    return _answer(ask, EsmeCode.ECS28B, [ACTION])


def ecs29(ask: Ask) -> bytes:
    """6.5 Update Device Configuration (Voltage), single phase: 11 SETs of the RMS and
    average voltage settings, then (ECS29a) the reset of the sag and swell counters, or
    not (ECS29c, RMSVoltageCountersNotReset)."""
    if ask.has("RMSVoltageCountersNotReset"):
        return _answer(ask, EsmeCode.ECS29C, [SET] * 11)
    return _answer(ask, EsmeCode.ECS29A, [SET] * 11 + [ACTION] * 2)


def ecs29e(ask: Ask) -> bytes:
    """6.27 RMS Voltage Counter Reset, single phase: the reset of the sag and swell counters."""
    return _answer(ask, EsmeCode.ECS29E, [ACTION] * 2)


def ecs34(ask: Ask) -> bytes:
    """6.12 Instantaneous Power Threshold: SET of the thresholds (register monitor)."""
    return _answer(ask, EsmeCode.ECS34, [SET])


def ecs37(ask: Ask) -> bytes:
    """6.18.1 Set Maximum Demand Configurable Time Period: SET of its schedule."""
    return _answer(ask, EsmeCode.ECS37, [SET])


def ecs39a(ask: Ask) -> bytes:
    """6.20.1 Set Import MPxN: SET of the import MPAN(s)."""
    return _answer(ask, EsmeCode.ECS39A, [SET])


def ecs39b(ask: Ask) -> bytes:
    """6.20.2 Set Export MPAN: one SET."""
    return _answer(ask, EsmeCode.ECS39B, [SET])


def ecs50(ask: Ask) -> bytes:
    """9.1 Request Customer Identification Number: SET of the CIN the ESME shows."""
    return _answer(ask, EsmeCode.ECS50, [SET])


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
