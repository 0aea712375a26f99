"""Real GBCS Responses of the GSME and GPF use cases (gbcs/gsme.py), from the emulated device
state (wan/gas_meter.py, wan/registers.py, the SMI). wan/gbcs_payloads.py lists them in its
table ENCODED; each builder has that table's signature.

A GPF answers the register and balance reads (GCS13b, GCS13c, GCS14, GCS60a) from its copy of
its joined GSME's data: `meter` is then that GSME. Builders that need the request's values
(GCS20: how many configurations it sets) are marked with `reads_request`; the table's caller
gives them the DUIS body.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from lxml import etree

from gbdsp.domain.devices import Device
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import sr
from gbdsp.gbcs import gsme, gsme_logs, gsme_tariff
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.gsme import GsmeExchange
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan import gas_meter

Builder = Callable[[GbcsWorld, int, RequestId, Device, datetime, DeviceId], bytes]
RequestBuilder = Callable[
    [GbcsWorld, int, RequestId, Device, datetime, DeviceId, etree._Element | None], bytes
]
READS_REQUEST: dict[Builder, RequestBuilder] = {}
"""Builders that read the request's body: the table's builder -> the one taking the body."""


def reads_request(build: RequestBuilder) -> Builder:
    """A table builder that also reads the DUIS body (None: the request's defaults)."""

    def without_body(
        world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
    ) -> bytes:
        return build(world, seed, rid, device, at, meter, None)

    READS_REQUEST[without_body] = build
    return without_body


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def exchange(
    world: GbcsWorld, rid: RequestId, device: Device, at: datetime, *, via_acb: bool = False
) -> GsmeExchange:
    """The device answering the requesting User (through the ACB if `via_acb`)."""
    eui = Eui64(device.device_id.value)
    user = Eui64(rid.originator.value)
    acb = (_title(ACB), world.shared_secret(eui, ACB)) if via_acb else None
    return GsmeExchange(
        _title(eui), _title(user), rid.counter, world.shared_secret(eui, user), at, acb
    )


def _acknowledge(code: MessageCode, *, via_acb: bool = False) -> Builder:
    def build(
        world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
    ) -> bytes:
        return gsme.acknowledged(exchange(world, rid, device, at, via_acb=via_acb), code)

    return build


gcs07 = _acknowledge(MessageCode.GCS07)
gcs09 = _acknowledge(MessageCode.GCS09)
gcs11 = _acknowledge(MessageCode.GCS11)
gcs44 = _acknowledge(MessageCode.GCS44)
gcs41 = _acknowledge(MessageCode.GCS41)
gcs36 = _acknowledge(MessageCode.GCS36, via_acb=True)
"""9.1: the DCC sends the CIN through the ACB (RTDS GCS36 answers the ACB)."""


@reads_request
def gcs20(
    world: GbcsWorld,
    seed: int,
    rid: RequestId,
    device: Device,
    at: datetime,
    meter: DeviceId,
    body: etree._Element | None,
) -> bytes:
    """6.22: one Set Event Configuration per distinct configuration (WAN, HAN, log, alarm)
    the request gives, as the RTDS GCS20 command groups its events."""
    configurations = set()
    if body is not None:
        settings = body.find(f".//{sr('GasSupplierAlertEventSettings')}")
        for event in settings if settings is not None else ():
            configurations.add(tuple((child.text or "").strip() for child in event))
    return gsme.acknowledged(
        exchange(world, rid, device, at), MessageCode.GCS20, max(1, len(configurations))
    )


def gcs31(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    """14.1: the Network Operator's request reaches the GSME through the ACB (RTDS GCS31)."""
    return gsme.gcs31(exchange(world, rid, device, at, via_acb=True))


def gcs33(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs33(exchange(world, rid, device, at), gas_meter.valve(at))


def gcs46(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs46(exchange(world, rid, device, at), device.import_mpxn or "")


def gcs21j(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs21j(
        exchange(world, rid, device, at), gas_meter.payment_control(seed, device.device_id)
    )


def gcs21k(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs21k(exchange(world, rid, device, at), gas_meter.billing_period())


def gcs21m(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    identity = gsme.Identity(device.model.manufacturer, device.model.model, 0, 0)
    return gsme.gcs21m(exchange(world, rid, device, at), identity)


def gcs20r(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs20r(exchange(world, rid, device, at), gas_meter.event_configuration())


def gcs21f(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme_tariff.gcs21f(
        exchange(world, rid, device, at), gas_meter.tariff(seed, device.device_id)
    )


def gcs21b(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme_tariff.gcs21b(
        exchange(world, rid, device, at), gas_meter.prepayment_configuration()
    )


def gcs21a(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs21a(exchange(world, rid, device, at), gas_meter.gas_configuration())


def gcs13b(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs13b(exchange(world, rid, device, at), gas_meter.blocks(seed, meter, at))


def gcs13c(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs13c(exchange(world, rid, device, at), gas_meter.tiers(seed, meter, at))


def gcs14(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs14(exchange(world, rid, device, at), gas_meter.prepayment(seed, meter))


def gcs60a(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    return gsme.gcs60a(
        exchange(world, rid, device, at),
        gas_meter.bill_to_date(seed, meter, at),
        gas_meter.prepayment(seed, meter).credit,
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

    def build(
        world: GbcsWorld,
        seed: int,
        rid: RequestId,
        device: Device,
        at: datetime,
        meter: DeviceId,
        body: etree._Element | None,
    ) -> bytes:
        start, end = log_period(body, at)
        if daily:
            samples = gas_meter.daily_samples(seed, meter, start, end, at)
        else:
            samples = gas_meter.samples(seed, meter, start, end, at, step)
        return encode(exchange(world, rid, device, at, via_acb=via_acb), samples)

    return reads_request(build)


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

    def build(
        world: GbcsWorld,
        seed: int,
        rid: RequestId,
        device: Device,
        at: datetime,
        meter: DeviceId,
        body: etree._Element | None,
    ) -> bytes:
        start, end = log_period(body, at)
        days = gas_meter.daily_reads(start, end, at, gsme_logs.DAILY_OFFSETS)
        snapshots = [snapshot(seed, meter, d) for d in days]
        return encode(exchange(world, rid, device, at), snapshots)

    return reads_request(build)


gcs16a = _snapshots(gsme_logs.gcs16a, gas_meter.register_snapshot)
gcs16b = _snapshots(gsme_logs.gcs16b, gas_meter.prepay_snapshot)


@reads_request
def gcs15c(
    world: GbcsWorld,
    seed: int,
    rid: RequestId,
    device: Device,
    at: datetime,
    meter: DeviceId,
    body: etree._Element | None,
) -> bytes:
    start, end = log_period(body, at)
    dates = gas_meter.billing_dates(start, end, at, gsme_logs.BILLING_OFFSETS)
    return gsme_logs.gcs15c(
        exchange(world, rid, device, at),
        [gas_meter.register_snapshot(seed, meter, d) for d in dates],
        [gas_meter.prepay_snapshot(seed, meter, d) for d in dates],
    )


def gcs15b(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    """4.4.2: gbdsp keeps no change of mode or tariff, so nothing is found."""
    return gsme_logs.gcs15b(exchange(world, rid, device, at), [], [])


def gcs15d(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    """4.4.4 through the ACB (RTDS GCS15d): gbdsp keeps no debt collections."""
    return gsme_logs.gcs15d(exchange(world, rid, device, at, via_acb=True), [])


def gcs15e(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    """4.4.5: gbdsp keeps no top-ups, so the log is empty."""
    return gsme_logs.gcs15e(exchange(world, rid, device, at), [])
