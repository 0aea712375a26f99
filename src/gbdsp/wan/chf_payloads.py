"""The CHF's Responses to the device log SRVs (gbcs/chf.py; docs/gbcs.md "CHF device log").

The DSP's command to the CHF is the ACB's (GBCS: the CHF use cases are the DCC's), so the
Response goes to the ACB, MACed with the CHF's and the ACB's KA keys, and names the User
with the request's counter (as CS08 does; we give the ACB's command the User's counter).
gbdsp keeps no CHF device log, so every request succeeds.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from gbdsp.domain.devices import Device
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import sr
from gbdsp.gbcs import chf
from gbdsp.gbcs.responses import Exchange
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan.gsme_payloads import reads_request

REQUEST_TYPES = {"Add": chf.ChfCode.CCS01, "Remove": chf.ChfCode.CCS02}
"""SRV 8.11's RequestType -> its use case."""


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def _response(
    world: GbcsWorld, rid: RequestId, device: Device, at: datetime, code: chf.ChfCode
) -> bytes:
    eui = Eui64(device.device_id.value)
    ex = Exchange(_title(eui), _title(ACB), rid.counter, world.shared_secret(eui, ACB), at)
    user = _title(Eui64(rid.originator.value))
    return chf.device_log_response(ex, code, remote_party=user, remote_counter=rid.counter)


@reads_request
def ccs01_ccs02(
    world: GbcsWorld,
    seed: int,
    rid: RequestId,
    device: Device,
    at: datetime,
    meter: DeviceId,
    body: etree._Element | None,
) -> bytes:
    """8.11: CCS01 (Add) or CCS02 (Remove), as the body's RequestType says."""
    request_type = "" if body is None else (body.findtext(f".//{sr('RequestType')}") or "")
    code = REQUEST_TYPES.get(request_type.strip())
    if code is None:
        raise InvalidValue(f"8.11 RequestType {request_type!r}")
    return _response(world, rid, device, at, code)


def ccs03(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    """8.12.1: CCS03."""
    return _response(world, rid, device, at, chf.ChfCode.CCS03)
