"""The CHF's Responses to the device log SRVs (gbcs/chf.py; docs/gbcs.md "CHF device log").

The DSP's command to the CHF is the ACB's (GBCS: the CHF use cases are the DCC's), so the
Response goes to the ACB, MACed with the CHF's and the ACB's KA keys, and names the User
with the request's counter (as CS08 does; we give the ACB's command the User's counter).
gbdsp keeps no CHF device log of its own beyond the SMI's, so every update succeeds.

8.9 Read Device Log on a CHF reads the devices on its CHF Device Log as the SMI holds them
(`Ask.device_log`: the whitelisted devices and its GPF):
- **CCS06** (ReadDeviceLog with no ReadSecurityDetails; the same request's older use case,
  CCS04, has the same Response): each device's link as the emulator draws it under its seed:
  RSSI and LQI (maximum, average, minimum), the transmissions that worked, status 11001000,
  one hop, no failures, application and stack version 1 (those four as every RTDS entry),
  last heard from at the start of the current minute.
- **CCS07** (ReadSecurityDetails): the PAN backups of the CHF Device Log and of the historic
  device log, which gbdsp does not keep (empty). The extended PAN ID is the CHF's EUI-64
  (our choice: GBCS leaves it to the CHF). A device's "hash of its security credentials" is
  the first 16 octets of SHA-256 over its install code (our stand-in for the hash of the TC
  link key the install code yields, whose algorithm is not in any corpus here).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from gbdsp.domain.devices import Device
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.gbcs import chf
from gbdsp.gbcs.responses import Exchange
from gbdsp.gbcs_world import ACB
from gbdsp.wan.emulator import draw, install_code
from gbdsp.wan.gbcs_ask import Ask

REQUEST_TYPES = {"Add": chf.ChfCode.CCS01, "Remove": chf.ChfCode.CCS02}
"""SRV 8.11's RequestType -> its use case."""


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def acb_exchange(ask: Ask) -> tuple[Exchange, bytes]:
    """The CHF answering the ACB with the User's counter, and the User's title (the
    supplementary remote party) - every CHF use case's Response (also wan/dbch_payloads.py)."""
    eui = Eui64(ask.device.device_id.value)
    z = ask.world.shared_secret(eui, ACB)
    ex = Exchange(_title(eui), _title(ACB), ask.rid.counter, z, ask.at)
    return ex, _title(Eui64(ask.rid.originator.value))


def _response(ask: Ask, code: chf.ChfCode) -> bytes:
    ex, user = acb_exchange(ask)
    return chf.device_log_response(ex, code, remote_party=user, remote_counter=ask.rid.counter)


def ccs01_ccs02(ask: Ask) -> bytes:
    """8.11: CCS01 (Add) or CCS02 (Remove), as the body's RequestType says."""
    request_type = (ask.text("RequestType") or "").strip()
    code = REQUEST_TYPES.get(request_type)
    if code is None:
        raise InvalidValue(f"8.11 RequestType {request_type!r}")
    return _response(ask, code)


def ccs03(ask: Ask) -> bytes:
    """8.12.1: CCS03."""
    return _response(ask, chf.ChfCode.CCS03)


def read_device_log(ask: Ask) -> bytes:
    """8.9 on a CHF: CCS07 with ReadSecurityDetails, else CCS06."""
    ex, user = acb_exchange(ask)
    log = [d for d in ask.device_log if d.device_id != ask.device.device_id]
    if ask.has("ReadSecurityDetails"):
        backups = [
            chf.PanBackup(
                ask.at, ex.device, [(_title(Eui64(d.device_id.value)), _hash(ask, d)) for d in log]
            ),
            chf.PanBackup(ask.at, ex.device, []),  # the historic device log: not kept
        ]
        return chf.device_logs(ex, backups, remote_party=user, remote_counter=ask.rid.counter)
    heard = ask.at.replace(second=0, microsecond=0)
    devices = [_active(ask.seed, d, heard) for d in log]
    return chf.active_devices(
        ex, chf.ChfCode.CCS06, devices, remote_party=user, remote_counter=ask.rid.counter
    )


def _hash(ask: Ask, device: Device) -> bytes:
    return hashlib.sha256(install_code(ask.seed, device.device_id)).digest()[:16]


def _active(seed: int, device: Device, heard: datetime) -> chf.ActiveDevice:
    """The device's link as the emulator draws it (the same for a device whatever the day)."""
    d = draw(seed, b"han-link", device.device_id.hex.encode())
    average = -40 - d[0] % 40  # dBm
    rssi = (min(-20, average + 3 + d[1] % 12), average, max(-100, average - 3 - d[2] % 30))
    lqi_average = 60 + d[3] % 150
    lqi = (min(255, lqi_average + d[4] % 40), lqi_average, max(0, lqi_average - d[5] % 60))
    successes = 50 + d[6] % 200
    return chf.ActiveDevice(
        _title(Eui64(device.device_id.value)), 0b11001000, rssi, lqi, heard, 1, 0, successes, 1, 1
    )
