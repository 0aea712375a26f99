"""What an emulated device remembers of the set commands it executed (docs/gbcs.md, "Device
state").

A device's Responses are built from documented defaults (wan/esme_state.py, wan/gas_meter.py)
except where a set command changed a value: only those changes are kept, per device, as a
JSON object of overrides (store/device_state_repositories.py), so a device nobody set
anything on has no row at all. Each SRV that sets something declares a `StateReader`
(gateway/registry.py `sets`): it reads the DUIS request into the overrides the command
sets, a flat object of JSON values under the names below.

The stored object has the overrides in force (`set`) and those a future-dated command sets
at its ExecutionDateTime (`pending`, in time order, with the SRV and the User whose
cancellation withdraws them): the device executes a future-dated command at its time, so a
read before then reports the old value. `in_force` folds the pending ones due by the time
of a read; `executed` and `withdrawn` are the changes the gateway makes in the request's
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from lxml import etree

from gbdsp.domain.errors import InvalidValue
from gbdsp.duis.namespaces import sr

Overrides = dict[str, Any]
"""Names (below) to JSON values: what set commands changed on a device."""
StateReader = Callable[[etree._Element], Overrides]
"""The overrides a set command's DUIS body sets (InvalidValue: none it can carry)."""
StateLookup = Callable[[], Mapping[str, Any]]
"""The overrides in force on the device a Response builder answers for (wan/gbcs_ask.py)."""

SUPPLY = "supply"
"""7.1 / 7.2 / 7.3: "enabled", "disabled" or "armed" (default: enabled)."""
ENABLED, DISABLED, ARMED = "enabled", "disabled", "armed"

RANDOMISED_OFFSET_LIMIT = "randomisation.offset_limit"
"""7.12: the ESME's randomised offset limit (s), as 6.2.2 reads it."""


def integer(name: str, key: str) -> StateReader:
    """A set command whose one value is the integer DUIS element `name`."""
    return lambda body: {key: int(text(body, name))}


TRUST_ANCHOR = "trust_anchor"
"""6.15.1, 6.21, 6.23, 8.5: `trust_anchor.<GBCS role>.<ds|ka|pp-ka>` is [party, subject key
identifier] (hex) of the certificate a replacement put in that cell, as 6.24.1 reads it
(wan/cs_credentials.py)."""

LOAD_LIMIT = "load_limit"
"""6.4.1: the ESME's load limit [power threshold (W), restoration period, measurement
period (s)], as 4.15 reads it."""


def load_limit(body: etree._Element) -> Overrides:
    """6.4.1: the power threshold, the restoration period and the load limit period."""
    names = ("LoadLimitPowerThreshold", "LoadLimitRestorationPeriod", "LoadLimitPeriod")
    return {LOAD_LIMIT: [int(text(body, n)) for n in names]}


VOLTAGE_RMS = "voltage.rms"
"""6.5: the ESME's RMS extreme over- and under-voltage, sag and swell thresholds (V) and
measurement periods (s), in the order 6.2.1 (ECS26b) reads them."""
VOLTAGE_AVERAGE = "voltage.average"
"""6.5, single phase: the average RMS over- and under-voltage thresholds (V), as 6.2.1
reads them. A polyphase meter's per-phase settings are not modelled."""
RMS_SETTINGS = (
    "RMSExtremeOverVoltageThreshold",
    "RMSExtremeOverVoltageMeasurementPeriod",
    "RMSExtremeUnderVoltageThreshold",
    "RMSExtremeUnderVoltageMeasurementPeriod",
    "RMSVoltageSagThreshold",
    "RMSVoltageSagMeasurementPeriod",
    "RMSVoltageSwellThreshold",
    "RMSVoltageSwellMeasurementPeriod",
)
AVERAGE_SETTINGS = ("AverageRMSOverVoltageThreshold", "AverageRMSUnderVoltageThreshold")


def voltage(body: etree._Element) -> Overrides:
    """6.5: the RMS settings, and the single-phase average thresholds if given."""
    found: Overrides = {VOLTAGE_RMS: [int(text(body, n)) for n in RMS_SETTINGS]}
    if body.find(f".//{sr('SinglePhaseVoltageSettings')}") is not None:
        found[VOLTAGE_AVERAGE] = [int(text(body, n)) for n in AVERAGE_SETTINGS]
    return found


PAYMENT_MODE = "payment_mode"
"""1.6: "credit" or "prepayment", as 6.2.9 reads it (ECS26j's account mode, GCS21j's
Payment Control Configuration)."""
CREDIT, PREPAYMENT = "credit", "prepayment"


def payment_mode(body: etree._Element) -> Overrides:
    """1.6: the mode the meter changes to (Credit, or Prepayment with its settings)."""
    mode = CREDIT if body.find(f".//{sr('Credit')}") is not None else PREPAYMENT
    return {PAYMENT_MODE: mode}


BILLING_CALENDAR = "billing.calendar"
"""6.8 on an ESME: [the COSEM billing time (hex), [[month, day], ...]] (month 255: every
month), as 6.2.3 (ECS26d) reads it."""
GAS_BILLING_CALENDAR = "gas.billing_calendar"
"""6.8 on a GSME: [the billing period start (ISO 8601), its duration in months], as 6.2.3
(GCS21k) reads it."""


# ESME tariff (1.1.1, 1.2.1): the DLMS values the command SET, hex-encoded as the device
# reports them again in 4.11.1 (ECS24 reads the same attributes: wan/esme_tariffs.py).
TARIFF_CALENDAR = "tariff.calendar"
"""The season, week and day profiles of the Activity Calendar (1.1.1)."""
TARIFF_SPECIAL_DAYS = "tariff.special_days"
TARIFF_THRESHOLDS = "tariff.thresholds"
"""The block thresholds of the eight TOU rates (1.1.1)."""
TARIFF_STANDING_CHARGE = "tariff.standing_charge"
TARIFF_PRICE_MATRIX = "tariff.price_matrix"
TARIFF_ACTIVE_PRICE = "tariff.active_price"
"""[price, price scale]: the price of TOU rate 1 (or of block 1), the emulator running no
switching calendar (1.1.1, 1.2.1)."""

# GSME tariff (1.1.1, 1.2.1): the values of GCS21f (wan/gsme_critical.py).
GAS_STANDING_CHARGE = "gas.standing_charge"
GAS_TIER_PRICES = "gas.tier_prices"
"""A TOU tariff's four tier prices (1/100000 GBP per kWh)."""
GAS_BLOCK_PRICES = "gas.block_prices"
"""A block tariff's four block prices."""
GAS_THRESHOLDS = "gas.thresholds"
"""A block tariff's three thresholds (1.1.1)."""


def supply(state: str) -> StateReader:
    """7.1 Enable, 7.2 Disable, 7.3 Arm Supply: the supply (ESME contactor, GSME valve)."""
    return lambda body: {SUPPLY: state}


def in_force(stored: Mapping[str, Any] | None, at: datetime) -> Overrides:
    """The overrides in force at `at`: those set, then each pending change due by then."""
    if not stored:
        return {}
    found = dict(stored.get("set", {}))
    for change in stored.get("pending", []):
        if datetime.fromisoformat(change["at"]) <= at:
            found.update(change["set"])
    return found


def executed(
    stored: Mapping[str, Any] | None,
    overrides: Overrides,
    now: datetime,
    *,
    at: datetime | None = None,
    srv: str = "",
    user: str = "",
) -> dict[str, Any]:
    """The stored object once the device has executed a command setting `overrides`: now,
    or (`at`) at its ExecutionDateTime. Pending changes due by `now` are folded in first."""
    pending = _pending(stored)
    due = [c for c in pending if datetime.fromisoformat(c["at"]) <= now]
    later = [c for c in pending if c not in due]
    current = in_force({"set": (stored or {}).get("set", {}), "pending": due}, now)
    if at is None or at <= now:
        current.update(overrides)
    else:
        later.append({"at": at.isoformat(), "srv": srv, "user": user, "set": overrides})
        later.sort(key=lambda c: datetime.fromisoformat(c["at"]))
    return {"set": current, "pending": later} if later else {"set": current}


def withdrawn(stored: Mapping[str, Any] | None, srv: str, user: str) -> dict[str, Any] | None:
    """The stored object once a cancellation of `srv` by `user` withdrew its pending
    changes (None: nothing pending to withdraw)."""
    pending = _pending(stored)
    kept = [c for c in pending if (c["srv"], c["user"]) != (srv, user)]
    if len(kept) == len(pending):
        return None
    current = dict((stored or {}).get("set", {}))
    return {"set": current, "pending": kept} if kept else {"set": current}


def _pending(stored: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return list((stored or {}).get("pending", []))


def text(body: etree._Element, name: str) -> str:
    """The text of the first `name` under `body` (InvalidValue: none)."""
    found = body.findtext(f".//{sr(name)}")
    if found is None or not found.strip():
        raise InvalidValue(f"no {name}")
    return found.strip()
