"""The emulated devices' alerts in real GBCS (gbcs/alerts.py), to their Responsible Supplier.

ESMEs and CHFs raise DLMS alerts, GSMEs and GPFs GBZ ones. A critical alert (8Fxx) is signed
with the device's DS key; any other is MACed for the supplier, so it needs the supplier's GBCS
KA certificate. Where gbdsp cannot build the alert (another device type, no Responsible
Supplier, a non-critical alert to a supplier without a KA certificate) the builders give
None: with a test world the alert is refused as not encoded, without one the caller keeps
its documented stand-in (`GBDSP-EMULATED-ALERT`, docs/sm-wan.md).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.ids import Eui64
from gbdsp.gbcs import alerts
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import GbcsWorld

DLMS_DEVICES = (DeviceType.ESME, DeviceType.CHF)
ZIGBEE_DEVICES = (DeviceType.GSME, DeviceType.GPF)


def _exchange(
    world: GbcsWorld, device: Device, counter: int, at: datetime, *, mac: bool
) -> alerts.AlertExchange | None:
    if device.responsible_supplier is None:
        return None
    eui, supplier = Eui64(device.device_id.value), Eui64(device.responsible_supplier.value)
    z = None
    if mac:
        if world.party_certificate(supplier, KeyUsage.KA) is None:
            return None
        z = world.shared_secret(eui, supplier)
    return alerts.AlertExchange(
        eui.value.to_bytes(8, "big"),
        supplier.value.to_bytes(8, "big"),
        counter,
        at,
        world.device_keys(eui).ds,
        z,
    )


def device_alert(
    world: GbcsWorld, device: Device, alert_code: str, counter: int, at: datetime
) -> bytes | None:
    """The GBCS alert `alert_code` (4 hex digits) from `device`, or None (keep the stand-in).
    `counter`: the device's originator counter for it, growing with each alert."""
    code = int(alert_code, 16)
    if device.device_type not in DLMS_DEVICES + ZIGBEE_DEVICES:
        return None
    ex = _exchange(world, device, counter, at, mac=not alerts.critical(code))
    if ex is None:
        return None
    if device.device_type in DLMS_DEVICES:
        return alerts.dlms_alert(ex, code)
    return alerts.gbz_alert(ex, code)


def firmware_receipt(
    world: GbcsWorld, device: Device, image: bytes, counter: int, at: datetime
) -> bytes | None:
    """The Firmware Distribution Receipt alert (8F72) of a meter that received `image`: the
    hash it calculated is the image's SHA-256 (our simplification: GBCS hashes the
    manufacturer image inside it)."""
    if device.device_type not in (DeviceType.ESME, DeviceType.GSME):
        return None
    ex = _exchange(world, device, counter, at, mac=False)
    if ex is None:
        return None
    digest = hashlib.sha256(image).digest()
    return alerts.firmware_receipt(ex, digest, zigbee=device.device_type is DeviceType.GSME)
