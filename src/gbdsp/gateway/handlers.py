"""Handlers of Non-Device Service Requests (CV 8), by Service Reference Variant.

This is where the lifecycle SRVs (12.2, 8.14.x, 8.3, 8.4, 11.1, 11.4...) plug in. An SRV
without a handler is refused as not implemented (HTTP 501) and changes nothing: the
request's transaction, counter included, is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import GbdspError
from gbdsp.domain.products import CplKey
from gbdsp.domain.replies import InventoryEntry, InventoryReply, Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.srv import Srv
from gbdsp.duis import bodies
from gbdsp.duis.bodies import InventoryQuery, read_inventory_query
from gbdsp.duis.request import DuisRequest
from gbdsp.services import dcc_schedules, dsp_requests, lifecycle
from gbdsp.services.context import HandlerContext
from gbdsp.store.store import Transaction
from gbdsp.wan.emulator import GBCS_VERSION

REPLAY_CODE = ResponseCode.E40
"""No public text names the code for a counter that is not greater than the last one; we
use E40 (a code of the XSD enumeration with no public meaning). docs/duis-gateway.md."""

INVENTORY_NOT_FOUND = ResponseCode.E080201
"""8.2 with nothing found. Inference: SR-specific codes read E<SR 0802><nn> (reference/
response-codes.csv); the meaning of E080201 itself is not public."""

MAX_INVENTORY_DEVICES = 17  # DUIS DSPInventory maxOccurs


class NotImplementedSrv(GbdspError):
    """An SRV this version of gbdsp cannot carry out yet."""


Handler = Callable[[HandlerContext, DuisRequest, Srv], Reply]


def read_inventory(ctx: HandlerContext, request: DuisRequest, srv: Srv) -> Reply:
    """8.2: the devices of the premises the query points at (its CHF and Device Log)."""
    devices = premises_of(ctx.tx, read_inventory_query(request.body))
    entries = tuple(
        InventoryEntry(
            d, ctx.cpl.status(CplKey(d.model, d.device_type, d.smets_variant)), GBCS_VERSION
        )
        for d in devices
        if d.device_type.in_duis
    )[:MAX_INVENTORY_DEVICES]
    if not entries:
        return Reply(INVENTORY_NOT_FOUND)
    return Reply(
        ResponseCode.I0, InventoryReply(entries, show_restricted=ctx.rules.mp169.shows_restricted)
    )


def premises_of(tx: Transaction, query: InventoryQuery) -> list[Device]:
    if query.device_id is not None:
        found = tx.devices.get(query.device_id, with_history=False)
        matches = [found] if found else []
    else:
        matches = tx.devices.find(
            mpxn=query.mpxn, uprn=query.uprn, postcode=query.postcode, limit=MAX_INVENTORY_DEVICES
        )
    chfs = {d.device_id if d.device_type is DeviceType.CHF else d.chf_id for d in matches}
    chfs.discard(None)
    if not chfs:
        return matches
    chf_id = min(c for c in chfs if c is not None)  # one premises per answer
    chf, log = tx.devices.premises(chf_id)
    return ([chf] if chf else []) + log


# DUIS adapters: read the body into values, call the use case.
NON_DEVICE_HANDLERS: dict[str, Handler] = {
    "8.2": read_inventory,
    "12.2": lambda ctx, r, srv: lifecycle.prenotify(ctx, bodies.prenotification(r.body)),
    **{
        f"8.14.{n}": lambda ctx, r, srv: lifecycle.update_ch_status(
            ctx, srv.srv, bodies.device_id_of(r.body), bodies.ch_install_mpxn(r.body)
        )
        for n in range(1, 5)
    },
    "8.3": lambda ctx, r, srv: lifecycle.decommission(ctx, bodies.device_id_of(r.body)),
    "8.4": lambda ctx, r, srv: lifecycle.update_inventory(ctx, bodies.inventory_update(r.body)),
    "11.1": lambda ctx, r, srv: lifecycle.update_firmware(
        ctx, srv.srv, bodies.firmware_update(r.body)
    ),
    "11.4": lambda ctx, r, srv: lifecycle.update_firmware(
        ctx, srv.srv, bodies.firmware_update(r.body)
    ),
    "12.1": lambda ctx, r, srv: dsp_requests.request_wan_matrix(
        ctx, bodies.wan_matrix_query(r.body)
    ),
    "8.13": lambda ctx, r, srv: dsp_requests.return_local_command_response(
        ctx, bodies.original_request_id(r.body)
    ),
    "8.6": lambda ctx, r, srv: dsp_requests.service_opt_in(ctx, bodies.device_id_of(r.body)),
    "5.1": lambda ctx, r, srv: dcc_schedules.create(ctx, dcc_schedules.read_create(r.body)),
    "5.2": lambda ctx, r, srv: dcc_schedules.read(ctx, r.body),
    "5.3": lambda ctx, r, srv: dcc_schedules.delete(ctx, r.body),
}


def non_device(ctx: HandlerContext, request: DuisRequest, srv: Srv) -> Reply:
    handler = NON_DEVICE_HANDLERS.get(srv.srv)
    if handler is None:
        raise NotImplementedSrv(f"SRV {srv.srv} {srv.name} is not implemented by gbdsp yet")
    return handler(ctx, request, srv)
