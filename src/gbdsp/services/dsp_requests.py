"""Non-Device SRVs answered by the DSP alone: 12.1 Request WAN Matrix, 8.13 Return Local
Command Response, 8.6 Service Opt In (docs/duis-coverage.md)."""

from __future__ import annotations

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.replies import OptInReply, Reply, WanMatrixReply
from gbdsp.domain.requests import RequestId
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.service_requests import WanMatrixQuery
from gbdsp.domain.wan_matrix import UNKNOWN_ADDRESS, matrix, region_of_postcode
from gbdsp.duis.smki import acb_broker_certificates
from gbdsp.services.context import HandlerContext

LOCAL_COMMAND_NOT_YOURS = ResponseCode.E081301
"""Our pairing (no public meaning): the OriginalRequestID was not sent by this User."""
LOCAL_COMMAND_UNKNOWN_DEVICE = ResponseCode.E081302
"""Our pairing: the OriginalRequestID names a device that is not in the SMI."""


def request_wan_matrix(ctx: HandlerContext, query: WanMatrixQuery) -> Reply:
    """12.1: the SM WAN emulator's coverage for the premises the query names.

    A premises with a hub: its CSP region and the hub's coverage (a hub installed without
    SM WAN has none). An address gbdsp has no hub at: the region of its postcode area, with
    coverage (the emulated SM WAN covers every address it has not been told otherwise of).
    A UPRN nobody knows: E120102, as no region can be named."""
    found = ctx.tx.devices.find(uprn=query.uprn, postcode=query.postcode, limit=17)
    hub = _hub_of(ctx, found)
    if hub is not None:
        coverage = ctx.tx.wan.coverage(hub.device_id)
        region = hub.csp_region or region_of_postcode(hub.postcode or "")
        lines = matrix(region, coverage is not False)
    elif query.postcode is not None:
        lines = matrix(region_of_postcode(query.postcode), True)
    elif found and found[0].postcode:
        lines = matrix(region_of_postcode(found[0].postcode), True)
    else:
        return Reply(UNKNOWN_ADDRESS, reason=f"UPRN {query.uprn} is not known to the SMI")
    return Reply(
        ResponseCode.I0, WanMatrixReply(query.uprn, query.postcode, query.address_identifier, lines)
    )


def _hub_of(ctx: HandlerContext, devices: list[Device]) -> Device | None:
    for device in devices:
        chf_id = device.device_id if device.device_type is DeviceType.CHF else device.chf_id
        if chf_id is not None:
            return ctx.tx.devices.get(chf_id, with_history=False)
    return None


def return_local_command_response(ctx: HandlerContext, original: str) -> Reply:
    """8.13: the User hands back a device's answer to a local command (CV 2) we issued;
    acknowledged I0 once we know the request is this User's and its device ours."""
    try:
        rid = RequestId.parse(original)
    except InvalidValue as e:
        return Reply(ResponseCode.E12, reason=str(e))
    if rid.originator != ctx.user.user_id:
        return Reply(
            LOCAL_COMMAND_NOT_YOURS, reason=f"{original} was not sent by {ctx.user.user_id}"
        )
    device = ctx.tx.devices.get(DeviceId(rid.target.value), with_history=False)
    if device is None:
        return Reply(LOCAL_COMMAND_UNKNOWN_DEVICE, reason=f"{rid.target} is not in the SMI")
    return Reply(ResponseCode.I0, reason=f"local command response of {original} received")


def service_opt_in(ctx: HandlerContext, device_id: DeviceId) -> Reply:
    """8.6: the DCC's broker credentials for a device coming back into DCC service (the
    SRV matrix names no eligible role: docs/test-worlds.md)."""
    device = ctx.device_for("8.6", device_id)
    if isinstance(device, Reply):
        return device
    key_agreement, signing = acb_broker_certificates()
    return Reply(ResponseCode.I0, OptInReply(str(device.device_id), key_agreement, signing))
