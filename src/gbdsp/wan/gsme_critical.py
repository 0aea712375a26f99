"""The critical GSME Commands of DUIS requests (CV 4) that gbcs/gsme_commands.py encodes:
which ZSE commands carry the request's values (docs/gbcs.md "Critical commands").

For the DCC Boxed templates (the RTDS inputs) the pre-commands are byte-identical to the
RTDS 4.5.0 ones (tests/gbcs/test_gsme_critical.py). Values no RTDS case shows are not
encoded (`InvalidValue`; the caller keeps the documented stand-in): a supply tamper or
depletion state of Locked (6.7), or a missing value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lxml.etree import _Element as Element

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs.gsme_commands import (
    DELIVERED_CALENDAR,
    FRIENDLY_CREDIT_CALENDAR,
    Debt,
    GasCalendar,
    GasPrices,
    GsmeCriticalCode,
    PrepaymentSettings,
    Zcl,
    block_thresholds,
    calendar,
    change_debts,
    change_payment_mode,
    pre_command,
    prepayment_configuration,
    prices,
)
from gbdsp.gbcs.gsme_commands import gas_flow as gas_flow_components
from gbdsp.wan import device_state as state
from gbdsp.wan.esme_values import addressed, flag, instant, required

Builder = Callable[[DuisRequest, datetime], tuple[GsmeCriticalCode, list[Zcl]]]
FREQUENCIES = {"HOURLY": 0, "DAILY": 1}
"""DUIS debt recovery rate periods (the XSD's two) as ZSE Debt Recovery Frequencies."""


@dataclass(frozen=True, slots=True)
class GsmeCommand:
    """A critical SRV's GSME command, as gateway/registry.py declares it: `build` reads the
    ZSE commands from the DUIS request; called, it gives the unsigned pre-command
    (InvalidValue: not for these values)."""

    build: Builder

    def __call__(self, request: DuisRequest, device: Device, now: datetime) -> bytes | None:
        if device.device_type is not DeviceType.GSME:
            return None
        code, components = self.build(request, now)
        return pre_command(code, *addressed(request, device), components)


def _execution(request: DuisRequest) -> datetime | None:
    text = request.body.findtext(f".//{sr('ExecutionDateTime')}")
    return instant(text) if text is not None and text.strip() else None


def payment_mode(request: DuisRequest, now: datetime) -> tuple[GsmeCriticalCode, list[Zcl]]:
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


def debt(request: DuisRequest, now: datetime) -> tuple[GsmeCriticalCode, list[Zcl]]:
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


def gas_flow(request: DuisRequest, now: datetime) -> tuple[GsmeCriticalCode, list[Zcl]]:
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


# -- 1.1.1, 1.2.1 tariffs and prices (GCS01a, GCS01b); 2.1 prepayment (GCS05) ------------------


def _int(element: Element, name: str) -> int:
    text = element.findtext(sr(name))
    if text is None or not text.strip():
        raise InvalidValue(f"no RTDS case without {name}: not encoded")
    return int(text)


def _one(parent: Element, name: str) -> Element:
    found = parent.find(f".//{sr(name)}")
    if found is None:
        raise InvalidValue(f"no RTDS case without {name}: not encoded")
    return found


def _indexed(parent: Element, name: str) -> list[int]:
    """The values of the `name` children of `parent`, in the order of their index."""
    found = [(int(e.get("index", "0")), int(e.text or "")) for e in parent.findall(sr(name))]
    return [v for _, v in sorted(found)]


def _date(element: Element) -> bytes:
    """A DUIS Gas date with wildcards as a ZCL date: year - 1900, month, day, day of week."""
    parts = []
    for wrapper, specified, offset in (
        ("GasYearWithWildcards", "SpecifiedYear", 1900),
        ("GasMonthWithWildcards", "SpecifiedMonth", 0),
        ("GasDayOfMonthWithWildcards", "SpecifiedDayOfMonth", 0),
        ("GasDayOfWeekWithWildcards", "SpecifiedDayOfWeek", 0),
    ):
        text = element.findtext(f"{sr(wrapper)}/{sr(specified)}")
        value = 0xFF if text is None else int(text) - offset
        if not 0 <= value <= 0xFF:
            raise InvalidValue(f"{specified} {text} does not fit a ZCL date")
        parts.append(value)
    return bytes(parts)


def _minutes(text: str) -> int:
    hours, minutes, *_ = text.strip().rstrip("Z").split(":")
    return int(hours) * 60 + int(minutes)


def _calendar(
    root: Element, kind: int, days: list[tuple[int, list[tuple[int, int]]]]
) -> GasCalendar:
    weeks = [
        (_int(w, "WeekName"), _indexed(w, "ReferencedDayName"))
        for w in root.iter(sr("WeekProfile"))
    ]
    seasons = [
        (_date(_one(s, "SeasonStartDate")), _int(s, "ReferencedWeekName"))
        for s in root.iter(sr("Season"))
    ]
    special = [
        (_date(_one(d, "Date")), _int(d, "ReferencedDayName")) for d in root.iter(sr("SpecialDay"))
    ]
    return GasCalendar(kind, days, weeks, seasons, special)


def _prices(body: Element, thresholds_in_use: int | None) -> GasPrices:
    """The price elements; the thresholds in use of a block tariff: `thresholds_in_use`
    (1.1.1: those of its threshold matrix) or the NumberOfThresholds (1.2.1)."""
    element = _one(body, "GasPriceElements")
    block = element.find(sr("BlockTariff"))
    if block is not None:
        values = _indexed(block, "BlockPrice")
        in_use = (
            _int(block, "NumberOfThresholds") if thresholds_in_use is None else thresholds_in_use
        )
    else:
        values, in_use = _indexed(_one(element, "TOUTariff"), "TOUPrice"), 0
    return GasPrices(
        (element.findtext(sr("CurrencyUnits")) or "").strip(),
        _int(element, "StandingCharge"),
        values,
        block is not None,
        in_use,
    )


def tariff(request: DuisRequest, now: datetime) -> tuple[GsmeCriticalCode, list[Zcl]]:
    """1.1.1: the switching table (one tier a day: the TOU action, or 0 for a block day),
    the special days, then the prices, with the block thresholds of a block tariff."""
    when = _execution(request)
    elements = _one(request.body, "GasTariffElements")
    days = []
    for d in _one(elements, "DayProfiles").findall(sr("DayProfile")):
        action = d.findtext(sr("TOUTariffAction"))
        days.append((_int(d, "DayName"), [(0, 0 if action is None else int(action))]))
    cal = _calendar(elements, DELIVERED_CALENDAR, days)  # the switching table, special days
    thresholds = _indexed(_one(elements, "ThresholdMatrix"), "BlockThreshold")
    price = _prices(request.body, len(thresholds))  # a TOU tariff's matrix is a mock: not used
    info, matrix = prices(price, now, when)
    extra = [block_thresholds(thresholds, now, when)] if price.block else []
    return GsmeCriticalCode.GCS01A, [*calendar(cal, now, when), info, *extra, matrix]


def price(request: DuisRequest, now: datetime) -> tuple[GsmeCriticalCode, list[Zcl]]:
    """1.2.1: Publish Tariff Information and Publish Price Matrix."""
    return GsmeCriticalCode.GCS01B, prices(_prices(request.body, None), now, _execution(request))


def _padded(values: list[int], size: int) -> list[int]:
    if len(values) > size:
        raise InvalidValue(f"more than {size} values")
    return values + [0] * (size - len(values))


def _price_state(price: GasPrices) -> state.Overrides:
    """What GCS21f reports of the prices published: the standing charge, and the four tier
    prices of a TOU tariff or the four block prices of a block tariff."""
    key = state.GAS_BLOCK_PRICES if price.block else state.GAS_TIER_PRICES
    return {state.GAS_STANDING_CHARGE: price.standing_charge, key: _padded(price.prices, 4)}


def tariff_state(body: Element) -> state.Overrides:
    """1.1.1 (GCS01a): the prices, with a block tariff's thresholds (the switching table
    is not remembered: GCS21f reports the default calendar)."""
    thresholds = _indexed(
        _one(_one(body, "GasTariffElements"), "ThresholdMatrix"), "BlockThreshold"
    )
    price = _prices(body, len(thresholds))
    found = _price_state(price)
    if price.block:
        found[state.GAS_THRESHOLDS] = _padded(thresholds, 3)
    return found


def price_state(body: Element) -> state.Overrides:
    """1.2.1 (GCS01b): the prices."""
    return _price_state(_prices(body, None))


ACTIONS = {"START": 1, "STOP": 0}
"""The friendly credit flag of a non-disablement action."""


def prepayment(request: DuisRequest, now: datetime) -> tuple[GsmeCriticalCode, list[Zcl]]:
    """2.1: the credit settings, then the non-disablement (friendly credit) calendar."""
    gas = _one(request.body, "UpdatePrepayConfigGas")
    settings = PrepaymentSettings(
        emergency_credit_limit=_int(gas, "EmergencyCreditLimit"),
        emergency_credit_threshold=_int(gas, "EmergencyCreditThreshold"),
        debt_cap=_int(gas, "DebtRecoveryRateCap"),
        low_credit=_int(gas, "LowCreditThreshold"),
        max_meter_balance=_int(gas, "MaxMeterBalance"),
        max_credit_per_top_up=_int(gas, "MaxCreditThreshold"),
    )
    root = _one(gas, "GasNonDisablementCalendar")
    days = []
    for d in root.iter(sr("GasNonDisablementDayProfile")):
        entries = []
        for a in d.findall(sr("TimeStartAction")):
            action = (a.findtext(sr("NonDisablementAction")) or "").strip()
            if action not in ACTIONS:
                raise InvalidValue(f"non-disablement action {action!r}")
            entries.append((_minutes(a.findtext(sr("StartTime")) or ""), ACTIONS[action]))
        days.append((_int(d, "GasDayName"), entries))
    friendly = _calendar(root, FRIENDLY_CREDIT_CALENDAR, days)
    return GsmeCriticalCode.GCS05, prepayment_configuration(
        settings, friendly, now, _execution(request)
    )
