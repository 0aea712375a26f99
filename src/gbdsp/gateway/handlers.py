"""The DSP's own answers to Non-Device Service Requests (CV 8) that are not another
service's use case (8.2 Read Inventory), and the gateway's codes for them.

The registry (gateway/registry.py) says which SRV is answered by what. An SRV without an
answer is refused as not implemented (HTTP 501) and changes nothing: the request's
transaction, counter included, is rolled back.
"""

from __future__ import annotations

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import GbdspError
from gbdsp.domain.products import CplKey
from gbdsp.domain.replies import InventoryEntry, InventoryReply, Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.service_requests import InventoryQuery
from gbdsp.domain.srv import Srv
from gbdsp.duis.bodies import read_inventory_query
from gbdsp.duis.request import DuisRequest
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
