"""The critical GSME Commands of DUIS requests (CV 4) that gbcs/gsme_commands.py encodes:
which ZSE commands carry the request's values (docs/gbcs.md "Critical commands").

For the DCC Boxed templates (the RTDS inputs) the pre-commands are byte-identical to the
RTDS 4.5.0 ones (tests/gbcs/test_gsme_critical.py). Values no RTDS case shows are not
encoded (`InvalidValue`; the caller keeps the documented stand-in): a supply tamper or
depletion state of Locked (6.7), or a missing value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs.gsme_commands import (
    Debt,
    GsmeCriticalCode,
    change_debts,
    change_payment_mode,
    pre_command,
)
from gbdsp.gbcs.gsme_commands import gas_flow as gas_flow_components
from gbdsp.wan.esme_values import flag, instant, required

Builder = Callable[[DuisRequest, datetime], tuple[GsmeCriticalCode, list[bytes]]]
FREQUENCIES = {"HOURLY": 0, "DAILY": 1}
"""DUIS debt recovery rate periods (the XSD's two) as ZSE Debt Recovery Frequencies."""


def command(request: DuisRequest, srv: str, device: Device, now: datetime) -> bytes | None:
    """The unsigned pre-command of this critical request to a GSME, or None if gbdsp does
    not encode its use case (InvalidValue: not for these values)."""
    build = BUILDERS.get(srv)
    if build is None or device.device_type is not DeviceType.GSME:
        return None
    code, components = build(request, now)
    rid = request.request_id
    user = rid.originator.value.to_bytes(8, "big")
    target = device.device_id.value.to_bytes(8, "big")
    return pre_command(code, user, target, rid.counter, components)


def _execution(request: DuisRequest) -> datetime | None:
    text = request.body.findtext(f".//{sr('ExecutionDateTime')}")
    return instant(text) if text is not None and text.strip() else None


def payment_mode(request: DuisRequest, now: datetime) -> tuple[GsmeCriticalCode, list[bytes]]:
    """1.6: Credit (GCS02) or Prepayment (GCS03) with its debt suspension and threshold."""
    when = _execution(request)
    if request.body.find(f".//{sr('Credit')}") is not None:
        return GsmeCriticalCode.GCS02, [change_payment_mode(now, when, None)]
    disabled, emergency = (
        flag(required(request, name)) for name in ("SuspendDebtDisabled", "SuspendDebtEmergency")
    )
    threshold = int(required(request, "DisablementThreshold"))
    return GsmeCriticalCode.GCS03, [
        change_payment_mode(now, when, (disabled, emergency, threshold))
    ]


def _time_debt(request: DuisRequest, n: int) -> Debt:
    element = request.body.find(f".//{sr(f'GasDebtRecovery{n}')}")
    if element is None:
        raise InvalidValue(f"no RTDS case without GasDebtRecovery{n}: not encoded")
    period = (element.findtext(sr("DebtRecoveryRatePeriod")) or "").strip()
    if period not in FREQUENCIES:
        raise InvalidValue(f"debt recovery period {period!r}")
    return Debt(
        amount=int(required(request, f"TimeDebtRegister{n}")),
        payment_based=False,
        register=n,
        frequency=FREQUENCIES[period],
        recovery_amount=int(element.findtext(sr("DebtRecoveryRate")) or ""),
    )


def debt(request: DuisRequest, now: datetime) -> tuple[GsmeCriticalCode, list[bytes]]:
    """2.3: the two time debts and the payment debt, each added with its recovery."""
    payment = Debt(
        amount=int(required(request, "PaymentDebtRegister")),
        payment_based=True,
        register=0,
        percentage=int(required(request, "DebtRecoveryPerPayment")),
    )
    return GsmeCriticalCode.GCS04, change_debts(
        now, [_time_debt(request, 1), _time_debt(request, 2), payment]
    )


def gas_flow(request: DuisRequest, now: datetime) -> tuple[GsmeCriticalCode, list[bytes]]:
    """6.7: the uncontrolled gas flow rate, whole (GCS24) or to 4 decimals (GCS24a)."""
    for name in ("SupplyTamperState", "SupplyDepletionState"):
        if required(request, name) != "Unchanged":
            raise InvalidValue(f"only an Unchanged {name} has an RTDS case")
    whole = request.body.findtext(f".//{sr('UncontrolledGasFlowRate')}")
    if whole is not None:
        code, rate, divisor = GsmeCriticalCode.GCS24, int(whole), 1
    else:
        text = required(request, "UncontrolledGasFlowRateDecimal")
        units, _, fraction = text.partition(".")
        if len(fraction) > 4:
            raise InvalidValue(f"{text} has more than 4 fraction digits")
        rate = int(units or "0") * 10_000 + int((fraction + "0000")[:4])
        code, divisor = GsmeCriticalCode.GCS24A, 10_000
    components = gas_flow_components(
        now,
        rate,
        divisor,
        int(required(request, "StabilisationPeriod")),
        int(required(request, "MeasurementPeriod")),
    )
    return code, components


BUILDERS: dict[str, Builder] = {"1.6": payment_mode, "2.3": debt, "6.7": gas_flow}
"""SRV -> the builder of its critical GSME command."""
