"""Real GBCS Responses of the GSME and GPF use cases (gbcs/gsme.py), from the emulated device
state (wan/gas_meter.py, wan/registers.py, the SMI). gateway/registry.py names them in the
SRVs' declarations; each is a `Builder` of wan/gbcs_ask.py, taking one `Ask`.

A GPF answers the register and balance reads (GCS13b, GCS13c, GCS14, GCS60a) from its copy of
its joined GSME's data: `ask.meter` is then that GSME. The builders that follow the request's
values (GCS20: how many configurations it sets; the logs: their ReadLogPeriod) read
`ask.body`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from lxml import etree

from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.duis.namespaces import sr
from gbdsp.gbcs import gsme, gsme_logs, gsme_tariff
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.gsme import GsmeExchange
from gbdsp.gbcs.kdf import shared_secret
from gbdsp.gbcs_world import ACB
from gbdsp.wan import gas_meter
from gbdsp.wan.device_state import (
    ENABLED,
    GAS_BILLING_CALENDAR,
    GAS_BLOCK_PRICES,
    GAS_STANDING_CHARGE,
    GAS_THRESHOLDS,
    GAS_TIER_PRICES,
    PAYMENT_MODE,
    PREPAYMENT,
    SUPPLY,
)
from gbdsp.wan.gbcs_ask import Ask, Builder


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def exchange(ask: Ask, *, via_acb: bool = False) -> GsmeExchange:
    """The device answering the requesting User (through the ACB if `via_acb`). A request
    that carries the User's KA certificate is from an Unknown Remote Party (GBCS 7.2.10,
    RTDS GCS16b URP): the answer goes through the ACB, names the User as supplementary
    remote party, and is encrypted for that certificate."""
    world = ask.world
    eui = Eui64(ask.device.device_id.value)
    user = Eui64(ask.rid.originator.value)
    unknown = ask.unknown_remote_party()
    acb = (_title(ACB), world.shared_secret(eui, ACB)) if via_acb or unknown else None
    if unknown is not None:
        z = shared_secret(world.device_keys(eui).ka, unknown)
        return GsmeExchange(
            _title(eui), _title(user), ask.rid.counter, z, ask.at, acb, ask.originator_counter()
        )
    return GsmeExchange(
        _title(eui), _title(user), ask.rid.counter, world.shared_secret(eui, user), ask.at, acb
    )


def _acknowledge(code: MessageCode, *, via_acb: bool = False) -> Builder:
    def build(ask: Ask) -> bytes:
        return gsme.acknowledged(exchange(ask, via_acb=via_acb), code)

    return build


gcs07 = _acknowledge(MessageCode.GCS07)
gcs09 = _acknowledge(MessageCode.GCS09)
gcs11 = _acknowledge(MessageCode.GCS11)
gcs44 = _acknowledge(MessageCode.GCS44)
gcs41 = _acknowledge(MessageCode.GCS41)
gcs36 = _acknowledge(MessageCode.GCS36, via_acb=True)
"""9.1: the DCC sends the CIN through the ACB (RTDS GCS36 answers the ACB)."""


def gcs20(ask: Ask) -> bytes:
    """6.22: one Set Event Configuration per distinct configuration (WAN, HAN, log, alarm)
    the request gives, as the RTDS GCS20 command groups its events."""
    configurations = set()
    if ask.body is not None:
        settings = ask.body.find(f".//{sr('GasSupplierAlertEventSettings')}")
        for event in settings if settings is not None else ():
            configurations.add(tuple((child.text or "").strip() for child in event))
    return gsme.acknowledged(exchange(ask), MessageCode.GCS20, max(1, len(configurations)))


def gcs31(ask: Ask) -> bytes:
    """14.1: the Network Operator's request reaches the GSME through the ACB (RTDS GCS31)."""
    return gsme.gcs31(exchange(ask, via_acb=True))


def gcs33(ask: Ask) -> bytes:
    return gsme.gcs33(exchange(ask), gas_meter.valve(ask.at, ask.setting(SUPPLY, ENABLED)))


def gcs46(ask: Ask) -> bytes:
    return gsme.gcs46(exchange(ask), ask.device.import_mpxn or "")


def gcs21j(ask: Ask) -> bytes:
    """6.2.9: the payment mode the last 1.6 set (wan/device_state.py), else the drawn one."""
    drawn = gas_meter.payment_control(ask.seed, ask.device.device_id)
    mode = ask.setting(PAYMENT_MODE, None)
    if mode is not None:
        drawn = gas_meter.PREPAYMENT_MODE if mode == PREPAYMENT else gas_meter.CREDIT_MODE
    return gsme.gcs21j(exchange(ask), drawn)


def gcs21k(ask: Ask) -> bytes:
    """6.2.3: the billing calendar the last 6.8 set (wan/device_state.py), else the default."""
    found = ask.setting(GAS_BILLING_CALENDAR, None)
    if found is None:
        return gsme.gcs21k(exchange(ask), gas_meter.billing_period())
    start, months = datetime.fromisoformat(found[0]), int(found[1])
    return gsme.gcs21k(exchange(ask), gas_meter.billing_period(start, months))


def gcs21m(ask: Ask) -> bytes:
    identity = gsme.Identity(ask.device.model.manufacturer, ask.device.model.model, 0, 0)
    return gsme.gcs21m(exchange(ask), identity)


def gcs20r(ask: Ask) -> bytes:
    return gsme.gcs20r(exchange(ask), gas_meter.event_configuration())


def gcs21f(ask: Ask) -> bytes:
    """4.11.1: the emulated tariff, with the prices the last 1.1.1 / 1.2.1 published."""
    tariff = gas_meter.tariff(ask.seed, ask.device.device_id)
    tariff = replace(
        tariff,
        standing_charge=ask.setting(GAS_STANDING_CHARGE, tariff.standing_charge),
        tier_prices=ask.setting(GAS_TIER_PRICES, tariff.tier_prices),
        block_prices=ask.setting(GAS_BLOCK_PRICES, tariff.block_prices),
        thresholds=ask.setting(GAS_THRESHOLDS, tariff.thresholds),
    )
    return gsme_tariff.gcs21f(exchange(ask), tariff)


def gcs21b(ask: Ask) -> bytes:
    return gsme_tariff.gcs21b(exchange(ask), gas_meter.prepayment_configuration())


def gcs21a(ask: Ask) -> bytes:
    return gsme.gcs21a(exchange(ask), gas_meter.gas_configuration())


def gcs13b(ask: Ask) -> bytes:
    return gsme.gcs13b(exchange(ask), gas_meter.blocks(ask.seed, ask.meter, ask.at))


def gcs13c(ask: Ask) -> bytes:
    return gsme.gcs13c(exchange(ask), gas_meter.tiers(ask.seed, ask.meter, ask.at))


def gcs14(ask: Ask) -> bytes:
    return gsme.gcs14(exchange(ask), gas_meter.prepayment(ask.seed, ask.meter))


def gcs60a(ask: Ask) -> bytes:
    return gsme.gcs60a(
        exchange(ask),
        gas_meter.bill_to_date(ask.seed, ask.meter, ask.at),
        gas_meter.prepayment(ask.seed, ask.meter).credit,
    )


# -- logs ------------------------------------------------------------------------------------


def log_period(body: etree._Element | None, at: datetime) -> tuple[datetime, datetime]:
    """The request's ReadLogPeriod (start, end); without one, the day before `at`."""
    period = body.find(f".//{sr('ReadLogPeriod')}") if body is not None else None
    if period is None:
        return at - timedelta(days=1), at
    return _instant(period.findtext(sr("StartDateTime"))), _instant(
        period.findtext(sr("EndDateTime"))
    )


def _instant(text: str | None) -> datetime:
    moment = datetime.fromisoformat((text or "").strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _sampled(
    encode: Callable[[GsmeExchange, gsme_logs.Samples], bytes],
    step: int,
    *,
    daily: bool = False,
    via_acb: bool = False,
) -> Builder:
    """A sampled log read (4.8.1, 4.10, 4.17) over the request's ReadLogPeriod."""

    def build(ask: Ask) -> bytes:
        start, end = log_period(ask.body, ask.at)
        if daily:
            samples = gas_meter.daily_samples(ask.seed, ask.meter, start, end, ask.at)
        else:
            samples = gas_meter.samples(ask.seed, ask.meter, start, end, ask.at, step)
        return encode(exchange(ask, via_acb=via_acb), samples)

    return build


gcs17 = _sampled(gsme_logs.gcs17, gsme_logs.HALF_HOUR)
gcs18 = _sampled(gsme_logs.gcs18, gsme_logs.SIX_MINUTES)
gcs61 = _sampled(gsme_logs.gcs61, gas_meter.DAY, daily=True, via_acb=True)
"""4.17 goes through the ACB (RTDS GCS61); a GPF answers from its GSME's data."""


Snapshot = TypeVar("Snapshot")


def _snapshots(
    encode: Callable[[GsmeExchange, Sequence[Snapshot]], bytes],
    snapshot: Callable[[int, DeviceId, datetime], Snapshot],
) -> Builder:
    """A daily read log (4.6.1, 4.14): a snapshot each midnight of the ReadLogPeriod."""

    def build(ask: Ask) -> bytes:
        start, end = log_period(ask.body, ask.at)
        days = gas_meter.daily_reads(start, end, ask.at, gsme_logs.DAILY_OFFSETS)
        snapshots = [snapshot(ask.seed, ask.meter, d) for d in days]
        return encode(exchange(ask), snapshots)

    return build


gcs16a = _snapshots(gsme_logs.gcs16a, gas_meter.register_snapshot)
gcs16b = _snapshots(gsme_logs.gcs16b, gas_meter.prepay_snapshot)


def gcs15c(ask: Ask) -> bytes:
    start, end = log_period(ask.body, ask.at)
    dates = gas_meter.billing_dates(start, end, ask.at, gsme_logs.BILLING_OFFSETS)
    return gsme_logs.gcs15c(
        exchange(ask),
        [gas_meter.register_snapshot(ask.seed, ask.meter, d) for d in dates],
        [gas_meter.prepay_snapshot(ask.seed, ask.meter, d) for d in dates],
    )


def gcs15b(ask: Ask) -> bytes:
    """4.4.2: gbdsp keeps no change of mode or tariff, so nothing is found."""
    return gsme_logs.gcs15b(exchange(ask), [], [])


def gcs15d(ask: Ask) -> bytes:
    """4.4.4 through the ACB (RTDS GCS15d): gbdsp keeps no debt collections."""
    return gsme_logs.gcs15d(exchange(ask, via_acb=True), [])


def gcs15e(ask: Ask) -> bytes:
    """4.4.5: gbdsp keeps no top-ups, so the log is empty."""
    return gsme_logs.gcs15e(exchange(ask), [])
