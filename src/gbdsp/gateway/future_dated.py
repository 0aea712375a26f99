"""Future-dated requests (DUIS ExecutionDateTime), following the SRV's pattern in the SRV
matrix (domain/future_dated.py):

- Device-held: the command goes to the device now; the device's acknowledgement is the
  response pushed now, and a FutureDatedDeviceAlertMessage (8F66) per instruction of the
  command is written to the outbox, held until the ExecutionDateTime, in the request's own
  transaction (durable, delivered once). With a test world and a critical command gbdsp
  encodes, each is the device's real signed 8F66 (wan/future_dated_alerts.py), built from
  the command issued at CV 4 and signed at CV 5/6/7; otherwise one alert with the
  documented stand-in payload. A cancellation (3000-12-31T00:00:00Z) of the same SRV to
  the same device by the same User withdraws the pending alerts; the device acknowledges
  the cancellation either way.
- DSP-held: the DSP holds the request: the response is held in the outbox until the
  ExecutionDateTime.
- A date not after now: carried out at once, as DCC Boxed does with the 2015 templates.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gbdsp.domain.errors import NotEncoded
from gbdsp.domain.future_dated import EXECUTED_ALERT, Decision, Handling, decide
from gbdsp.domain.replies import FutureDatedAlertReply, Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.srv import Srv
from gbdsp.duis import response as duis_response
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.duis.signature import SigningKey
from gbdsp.gateway import audit, critical
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services.duis_outbox import enqueue_signed
from gbdsp.store.store import Transaction
from gbdsp.wan import device_state
from gbdsp.wan.emulator import placeholder
from gbdsp.wan.future_dated_alerts import actioned


def execution_time(request: DuisRequest) -> datetime | None:
    text = request.body.findtext(sr("ExecutionDateTime"))
    if not text or not text.strip():
        return None
    moment = datetime.fromisoformat(text.strip())
    # xs:dateTime may omit the zone: DUIS times are UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def decision(request: DuisRequest, srv: Srv, now: datetime) -> Decision:
    return decide(srv.future_dated, execution_time(request), now)


def delivery_time(request: DuisRequest, srv: Srv, now: datetime, arrives: datetime) -> datetime:
    """When the device's response is pushed: at the ExecutionDateTime if the DSP holds it."""
    held = decision(request, srv, now)
    return held.at if held.handling is Handling.DSP_HELD and held.at else arrives


def _key(srv: str, originator: str, device: str) -> str:
    return f"FD:{srv}:{originator}:{device}:"


def outbox_key(request: DuisRequest, srv: Srv, now: datetime, response_id: str) -> str:
    """The outbox key of the device's response: a DSP-held one is keyed like a pending
    future-dated alert, so that a cancellation of the same SRV to the same device by the
    same User withdraws it before its time; any other keeps its ResponseID."""
    if decision(request, srv, now).handling is not Handling.DSP_HELD:
        return response_id
    rid = request.request_id
    return _key(srv.variant, str(rid.originator), str(rid.target)) + str(rid.counter)


def after_device_response(
    tx: Transaction,
    request: DuisRequest,
    srv: Srv,
    reply: Reply,
    now: datetime,
    signing_key: SigningKey,
    world: GbcsWorld | None = None,
) -> None:
    held = decision(request, srv, now)
    rid = request.request_id
    key = _key(srv.variant, str(rid.originator), str(rid.target))
    if held.handling is Handling.CANCEL:
        withdrawn = tx.outbox.withdraw_pending(key)
        detail = f"future-dated cancellation: {withdrawn} pending withdrawn"
        tx.audit.record(audit.response(now, request, reply.code, detail))
        return
    if (
        held.handling is not Handling.DEVICE_HELD
        or reply.code != ResponseCode.I0
        or held.at is None
    ):
        return
    frames = _actioned(tx, world, request, held.at, now)
    if frames is None and world is not None:  # docs/gbcs.md "Not encoded": E11, nothing kept
        raise NotEncoded(f"the 8F66 alerts of a future-dated {srv.variant} are not encoded")
    if frames is None:
        frames = [placeholder("FUTURE-DATED-EXECUTED", srv.variant, request.request_id_text)]
    for i, frame in enumerate(frames, start=1):
        alert = Reply(ResponseCode.I0, FutureDatedAlertReply(EXECUTED_ALERT, frame, i, len(frames)))
        root = duis_response.build_response(
            reply=alert,
            at=held.at,
            request_id=request.request_id_text,
            service_reference=srv.service_reference,
            srv=srv.variant,
        )
        suffix = "" if i == 1 else f":{i}"
        message_id = key + str(rid.counter) + suffix
        enqueue_signed(tx, root, signing_key, rid.originator, message_id, now, held.at)


def _actioned(
    tx: Transaction, world: GbcsWorld | None, request: DuisRequest, at: datetime, now: datetime
) -> list[bytes] | None:
    """The device's real 8F66s for the critical command it holds: the one the CV 4 transform
    issued under this RequestID (consumed by this CV 5/6/7); None: not encoded (or no
    world: the stand-in)."""
    rid = request.request_id
    if world is None or rid.device_id is None:
        return None
    issued = tx.transforms.get(request.request_id_text, rid.originator)
    command = None if issued is None else critical.issued_command(issued)
    device = tx.devices.get(rid.device_id, with_history=False)
    if command is None or device is None:
        return None
    # what the device holds before this command (its own change counts from `at`)
    state = device_state.in_force(tx.device_states.get(device.device_id), now)
    return actioned(world, device, rid, command, at, state)
