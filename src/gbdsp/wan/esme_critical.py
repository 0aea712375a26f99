"""The critical ESME Commands of DUIS requests (CV 4): which DLMS requests carry the
request's values (gbcs/esme_commands.py; docs/gbcs.md "Critical ESME commands").

The objects, attributes, methods and value layouts are those of the RTDS 4.5.0 commands of
the same use cases; for the DCC Boxed templates (the RTDS inputs) the pre-commands are
byte-identical to the RTDS ones (tests/gbcs/test_esme_critical.py). Values no RTDS case
shows are not encoded (`InvalidValue`; the caller keeps the documented stand-in):
- 2.3 without every value of the request, or a recovery period other than DAILY;
- 6.4.1 with a supply state other than Disable or Unchanged.

Two layouts are inferred from the RTDS cases, which agree with them (docs/gbcs.md):
- the auxiliary switch n (1-5) of 7.5-7.16 has its times or durations in
  0-0:94.44.(116+n).k.255;
- its script is n << 8 | 0x11 (activate), 0x12 (deactivate) or 0x20 (reset), and for 7.13
  and 7.16 direction << 12 | n << 8 | level, direction 1 (output) or 2 (input from the
  controlled load).

Activation times: wan/esme_values.py. Calendars (2.1, 6.14.2, 6.14.3): wan/esme_schedules.py.
Tariffs and prices (1.1.1, 1.1.2, 1.2.1, 1.2.2): wan/esme_tariffs.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs.dlms_data import (
    Bits,
    Data,
    array,
    boolean,
    date_time,
    double_long,
    double_long_unsigned,
    enum,
    integer,
    long,
    long_unsigned,
    octet_string,
    structure,
)
from gbdsp.gbcs.esme import ACTION, GET, SET
from gbdsp.gbcs.esme_commands import CriticalCode, Request, obis, pre_command
from gbdsp.wan.esme_values import EXTENDED, NEVER, activation, addressed, flag, instant, required

ACCOUNT, CREDIT, CHARGE, SCRIPT_TABLE, DATA, CLOCK = 111, 112, 113, 9, 1, 8
PAYMENT_ACCOUNT = obis(0, 1, 19, 0, 0)
DISABLEMENT_THRESHOLD = obis(0, 0, 94, 44, 128, 22)
ALCS_SCRIPTS = obis(0, 0, 10, 0, 103)
APC_SCRIPTS = obis(0, 0, 10, 0, 107)
CLOCK_OBJECT = obis(0, 0, 1, 0, 0)
DAILY = 86400
DLMS_DEVICES = frozenset({DeviceType.ESME, DeviceType.SAPC})
"""The devices that speak DLMS: the ESME, and the SAPC (its auxiliary controller calendar,
6.14.3, as the RTDS ECS46d commands to it have it)."""

Builder = Callable[[DuisRequest, datetime], tuple[CriticalCode, list[Request]]]


@dataclass(frozen=True, slots=True)
class EsmeCommand:
    """A critical SRV's ESME (or SAPC) command, as gateway/registry.py declares it: `build`
    reads the DLMS requests from the DUIS request; called, it gives the unsigned
    pre-command (InvalidValue: not for these values)."""

    build: Builder

    def __call__(self, request: DuisRequest, device: Device, now: datetime) -> bytes | None:
        if device.device_type not in DLMS_DEVICES:
            return None
        code, requests = self.build(request, now)
        return pre_command(code, *addressed(request, device), requests)


# -- 1.6 Update Payment Mode (ECS02, ECS03) ----------------------------------------------------


def _credit_charge(pairs: list[tuple[int, int, str]]) -> Data:
    """Account credit charge configuration: which credit (0-0:19.10.c) pays which charge
    (0-0:19.20.h), with the collection bits."""
    return array(
        [
            structure(
                octet_string(obis(0, 0, 19, 10, c)), octet_string(obis(0, 0, 19, 20, h)), Bits(b)
            )
            for c, h, b in pairs
        ]
    )


CREDIT_MODE_CHARGES = [(0, 0, "111"), (0, 4, "111")]
"""Credit mode: the meter balance pays the consumption (19.20.0) and the standing charge."""


def prepayment_charges(disabled: bool, emergency: bool) -> list[tuple[int, int, str]]:
    """Prepayment: the meter balance (19.10.0) and the emergency credit (19.10.1) pay the
    consumption, the standing charge and the debt recoveries 19.20.1-3; the time-based debt
    recoveries (19.20.1/2) are not collected while disabled (bits 110) when the debt is
    suspended then; with the debt suspended in emergency credit, the accumulated debt
    (19.10.2) pays the standing charge and the time-based recoveries too. Inferred from the
    three RTDS cases (true/false, false/true, true/true; the twin-element ones without their
    secondary-element charges 19.20.5, which a single-element ESME has not)."""
    time_debt = "110" if disabled else "111"
    charges = [
        *CREDIT_MODE_CHARGES,
        (0, 1, time_debt),
        (0, 2, time_debt),
        (0, 3, "111"),
        (1, 3, "111"),
        (1, 0, "111"),
        (1, 4, "111"),
        (1, 1, time_debt),
        (1, 2, time_debt),
    ]
    return charges + ([(2, 4, "111"), (2, 1, "111"), (2, 2, "111")] if emergency else [])


def payment_mode(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    when = activation(request)
    if request.body.find(sr("Credit")) is not None:
        return CriticalCode.ECS02, [
            Request(SET, ACCOUNT, PAYMENT_ACCOUNT, 2, structure(enum(1), enum(1))),
            Request(SET, ACCOUNT, PAYMENT_ACCOUNT, 11, _credit_charge(CREDIT_MODE_CHARGES)),
            Request(SET, ACCOUNT, PAYMENT_ACCOUNT, 13, when),
        ]
    disabled, emergency = (
        flag(required(request, name)) for name in ("SuspendDebtDisabled", "SuspendDebtEmergency")
    )
    charges = prepayment_charges(disabled, emergency)
    threshold = double_long(int(required(request, "DisablementThreshold")))
    return CriticalCode.ECS03, [
        Request(SET, ACCOUNT, PAYMENT_ACCOUNT, 2, structure(enum(2), enum(1))),
        Request(SET, EXTENDED, DISABLEMENT_THRESHOLD, 4, threshold),
        Request(SET, ACCOUNT, PAYMENT_ACCOUNT, 11, _credit_charge(charges)),
        Request(SET, EXTENDED, DISABLEMENT_THRESHOLD, 6, when),
        Request(SET, ACCOUNT, PAYMENT_ACCOUNT, 13, when),
    ]


# -- 2.3 Update Debt (ECS07) ---------------------------------------------------------------------


def _recovery(request: DuisRequest, n: int) -> tuple[Data, int]:
    element = request.body.find(f".//{sr(f'ElecDebtRecovery{n}')}")
    if element is None:
        raise InvalidValue(f"no RTDS case without ElecDebtRecovery{n}: not encoded")
    rate = int(element.findtext(sr("DebtRecoveryRate")) or "")
    scale = int(element.findtext(sr("DebtRecoveryRatePriceScale")) or "")
    if (element.findtext(sr("DebtRecoveryRatePeriod")) or "") != "DAILY":
        raise InvalidValue("only a DAILY debt recovery period is encoded")
    unit_charge = structure(
        structure(integer(0), integer(scale)),
        structure(long_unsigned(0), octet_string(bytes(6)), integer(0)),
        array([structure(octet_string(b""), long(rate))]),
    )
    return unit_charge, DAILY


def debt(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    """Debt recovery rates 1 and 2 (0-0:19.20.1/2), the recovery per payment (19.20.3), the
    rates' periods, then the collection reset and the three debt registers."""
    (rate1, period1), (rate2, period2) = _recovery(request, 1), _recovery(request, 2)
    rates = [obis(0, 0, 19, 20, i) for i in range(4)]
    per_payment = long_unsigned(int(required(request, "DebtRecoveryPerPayment")))
    debts = [
        double_long(int(required(request, name)))
        for name in ("PaymentDebtRegister", "TimeDebtRegister1", "TimeDebtRegister2")
    ]
    return CriticalCode.ECS07, [
        Request(SET, CHARGE, rates[1], 6, rate1),
        Request(SET, CHARGE, rates[2], 6, rate2),
        Request(SET, CHARGE, rates[3], 13, per_payment),
        Request(SET, CHARGE, rates[1], 8, double_long_unsigned(period1)),
        Request(SET, CHARGE, rates[2], 8, double_long_unsigned(period2)),
        Request(ACTION, CHARGE, rates[1], 2, integer(0)),
        Request(ACTION, CHARGE, rates[2], 2, integer(0)),
        Request(ACTION, CHARGE, rates[3], 4, debts[0]),
        Request(ACTION, CHARGE, rates[1], 4, debts[1]),
        Request(ACTION, CHARGE, rates[2], 4, debts[2]),
    ]


# -- 6.4.1 Load Limiting General Settings (ECS28a) ---------------------------------------------


SUPPLY_STATES = {"Disable": True, "Unchanged": False}
"""6.4.1 LoadLimitSupplyState: whether the supply is disabled when the load limit is hit."""


def load_limit(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    """The supply state on limiting, the power threshold, the period and the restoration
    period (GBCS extended data, passive values), then their activation times."""
    state = required(request, "LoadLimitSupplyState")
    if state not in SUPPLY_STATES:
        raise InvalidValue(f"no RTDS case of the load limit supply state {state}: not encoded")
    objects = [obis(0, 0, 94, 44, 0, 3)] + [obis(0, 0, 94, 44, 128, e) for e in (7, 6, 8)]
    values: list[Data] = [boolean(SUPPLY_STATES[state])]
    values += [
        double_long_unsigned(int(required(request, name)))
        for name in ("LoadLimitPowerThreshold", "LoadLimitPeriod", "LoadLimitRestorationPeriod")
    ]
    when = activation(request)
    return CriticalCode.ECS28A, [
        *(Request(SET, EXTENDED, o, 4, v) for o, v in zip(objects, values, strict=True)),
        *(Request(SET, EXTENDED, o, 6, when) for o in objects),
    ]


# -- 6.11 Synchronise Clock (ECS70) ----------------------------------------------------------


def clock(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    """The clock base, the preset time valid from the time given for the tolerance period,
    the adjustment to it, then a read of the time and its status."""
    at = instant(required(request, "CurrentDateTime"))
    tolerance = timedelta(seconds=int(required(request, "TolerancePeriod")))
    preset = structure(octet_string(NEVER), date_time(at), date_time(at + tolerance))
    return CriticalCode.ECS70, [
        Request(SET, CLOCK, CLOCK_OBJECT, 9, enum(5)),
        Request(ACTION, CLOCK, CLOCK_OBJECT, 5, preset),
        Request(ACTION, CLOCK, CLOCK_OBJECT, 4, integer(0)),
        Request(GET, CLOCK, CLOCK_OBJECT, 2),
        Request(GET, CLOCK, CLOCK_OBJECT, 4),
    ]


# -- 7.5, 7.6, 7.8, 7.13, 7.16 Auxiliary loads (ECS47, ECS47a, ECS47e) -----------------------


def _switch(request: DuisRequest, element: str, attribute: str) -> int:
    found = request.body.find(f".//{sr(element)}")
    if found is None:
        found = request.body if request.body.tag == sr(element) else None
    n = int((found.get(attribute) if found is not None else None) or "0")
    if not 1 <= n <= 5:
        raise InvalidValue(f"auxiliary load switch {n} is not 1 to 5")
    return n


def _times(n: int) -> Callable[[int], bytes]:
    return lambda k: obis(0, 0, 94, 44, 116 + n, k)


def auxiliary_load(action: int, element: str) -> Builder:
    """7.5 Activate (0x11), 7.6 Deactivate (0x12): the duration, then the switch's script;
    7.8 Reset (0x20): the script alone."""

    def build(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
        n = _switch(request, element, "index")
        script = Request(ACTION, SCRIPT_TABLE, ALCS_SCRIPTS, 1, long_unsigned(n << 8 | action))
        if action == 0x20:
            return CriticalCode.ECS47, [script]
        duration = long_unsigned(int(required(request, "Duration")))
        k = 1 if action == 0x11 else 2
        return CriticalCode.ECS47, [Request(SET, DATA, _times(n)(k), 2, duration), script]

    return build


def controller_state(limit: bool) -> Builder:
    """7.13 Set Auxiliary Controller State (ECS47a) and 7.16 Limit APC Level (ECS47e): the
    start and end times, then the script of the switch's direction and level."""
    element = "LimitAPCLevel" if limit else "SetAuxiliaryControllerState"

    def build(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
        n = _switch(request, element, "auxiliaryControllerN")
        level = int(required(request, "CommandedStateLevel"))
        if not 0 <= level <= 100:
            raise InvalidValue(f"level {level} is not 0 to 100")
        direction = 2 if request.body.find(f".//{sr('InputFromControlledLoad')}") is not None else 1
        start, end = (
            date_time(instant(required(request, t))) for t in ("StartDateTime", "EndDateTime")
        )
        at = _times(n)
        first = 3 if limit else 1
        script = long_unsigned(direction << 12 | n << 8 | level)
        scripts = APC_SCRIPTS if limit else ALCS_SCRIPTS
        return CriticalCode.ECS47E if limit else CriticalCode.ECS47A, [
            Request(SET, DATA, at(first), 2, start),
            Request(SET, DATA, at(first + 1), 2, end),
            Request(ACTION, SCRIPT_TABLE, scripts, 1, script),
        ]

    return build
