"""DCC-scheduled SRVs: 5.1 Create, 5.2 Read, 5.3 Delete Schedule, and running each occurrence.

A schedule is durable (table dcc_schedules). The `dcc_schedules` periodic job runs every
occurrence that is due: the scheduled SRV goes to the device through the emulator and the
device's answer is pushed, as a DSPScheduledMessage, through the outbox. Each occurrence runs
once across workers: the job holds its lease, and the advance of next_run_at is a compare-
and-set in the same transaction as the outbox row, whose ResponseID is unique per
occurrence. The GBCS Response builder of the SRV comes from the caller's `builders` lookup
(gateway/registry.py `gbcs_builder`, which this layer cannot import); without one, the
stand-in answers. Decommissioning a device removes its schedules (DUIS 8.3) and a change of
supplier the old supplier's ones (services/lifecycle.py, services/registration.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from lxml import etree

from gbdsp.clock import Clock
from gbdsp.domain import dcc_schedules as rules
from gbdsp.domain.dcc_schedules import Recurrence
from gbdsp.domain.errors import NOT_ENCODED, NotEncoded
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.replies import Reply, ScheduledMessageReply, ScheduleIdReply, SchedulesReply
from gbdsp.domain.requests import RequestId
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.srv import catalogue
from gbdsp.duis import response as duis_response
from gbdsp.duis.namespaces import sr
from gbdsp.duis.signature import SigningKey
from gbdsp.services.context import HandlerContext
from gbdsp.services.duis_outbox import enqueue_signed
from gbdsp.store.gateway_repositories import AuditEntry
from gbdsp.store.schedule_repositories import StoredSchedule
from gbdsp.store.store import Store, Transaction
from gbdsp.wan import device_state
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.wan.gbcs_ask import BuilderLookup, stand_ins

OCCURRENCE_SCALE = 1_000_000
"""ResponseID counter of an occurrence: schedule ID x 10^6 + occurrence number (unique)."""


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    srv: str
    device_id: DeviceId
    recurrence: Recurrence
    body_element: str
    details: bytes


def read_create(body: etree._Element) -> ScheduleRequest:
    """The sr:CreateSchedule (an sr:DSPSchedule) read into values; the XSD made it whole."""

    def text(name: str) -> str | None:
        found = body.find(sr(name))
        return (found.text or "").strip() if found is not None else None

    end, at = text("ScheduleEndDate"), text("ScheduleExecutionStartTime")
    recurrence = Recurrence(
        frequency=text("ScheduleFrequency") or "",
        start=date.fromisoformat((text("ScheduleStartDate") or "")[:10]),
        end=date.fromisoformat(end[:10]) if end else None,
        at=time.fromisoformat(at.rstrip("Z")[:8]) if at else time(0, 0),
    )
    last = body[-1]
    return ScheduleRequest(
        srv=text("DSPScheduledServiceReferenceVariant") or "",
        device_id=DeviceId.parse(text("DeviceID") or ""),
        recurrence=recurrence,
        body_element=etree.QName(last).localname,
        details=etree.tostring(body, encoding="UTF-8"),
    )


def create(ctx: HandlerContext, request: ScheduleRequest) -> Reply:
    """5.1: refused with a precise code before anything is stored, else stored whole."""
    scheduled = catalogue().get(request.srv)
    if scheduled is None or not scheduled.dcc_scheduled:
        return Reply(rules.NOT_SCHEDULABLE, reason=f"SRV {request.srv} is not DCC Scheduled")
    if request.body_element != "DSP" + scheduled.body_element:
        return Reply(
            rules.WRONG_BODY, reason=f"{request.body_element} does not go with SRV {request.srv}"
        )
    refusal = rules.refusal(request.recurrence, ctx.now.date())
    first = request.recurrence.next_after(ctx.now) if refusal is None else None
    if refusal is not None or first is None:
        code = refusal or rules.IN_THE_PAST
        return Reply(code, reason="the schedule has no occurrence left")
    device = ctx.device_for(request.srv, request.device_id)
    if isinstance(device, Reply):
        return device
    schedule_id = ctx.tx.schedules.add(
        user_id=ctx.user.user_id,
        device_id=device.device_id,
        srv=request.srv,
        details=request.details,
        frequency=request.recurrence.frequency,
        start_date=request.recurrence.start,
        end_date=request.recurrence.end,
        at_time=request.recurrence.at.isoformat(),
        next_run_at=first,
        created_at=ctx.now,
    )
    return Reply(
        ResponseCode.I0,
        ScheduleIdReply(schedule_id),
        reason=f"schedule {schedule_id}, first run {first.isoformat()}",
    )


def _selected(ctx: HandlerContext, body: etree._Element) -> list[StoredSchedule]:
    child = body[0]
    value = (child.text or "").strip()
    if etree.QName(child).localname == "DSPScheduleID":
        return ctx.tx.schedules.of_user(ctx.user.user_id, schedule_id=int(value))
    return ctx.tx.schedules.of_user(ctx.user.user_id, device_id=DeviceId.parse(value))


def read(ctx: HandlerContext, body: etree._Element) -> Reply:
    """5.2: this User's schedules by ID or device, each as created."""
    found = _selected(ctx, body)
    if not found:
        return Reply(rules.SCHEDULE_NOT_FOUND_READ, reason="no such schedule of this User")
    return Reply(ResponseCode.I0, SchedulesReply(tuple((s.schedule_id, s.details) for s in found)))


def delete(ctx: HandlerContext, body: etree._Element) -> Reply:
    """5.3: remove this User's schedules by ID or device."""
    found = _selected(ctx, body)
    if not found:
        return Reply(rules.SCHEDULE_NOT_FOUND_DELETE, reason="no such schedule of this User")
    ctx.tx.schedules.remove([s.schedule_id for s in found])
    return Reply(ResponseCode.I0, reason=f"{len(found)} schedule(s) removed")


def run_due(
    store: Store,
    clock: Clock,
    signing_key: SigningKey,
    emulator: DeviceEmulator,
    limit: int = 100,
    *,
    builders: BuilderLookup = stand_ins,
) -> int:
    """Run every due occurrence once; returns how many ran. One transaction each.
    `builders`: the GBCS Response builder of an SRV for a device type (the registry's
    `gbcs_builder`); the default names none, as fits an emulator without a GBCS world."""
    ran = 0
    now = clock.now()
    with store.read() as tx:
        due = [s.schedule_id for s in tx.schedules.due(now, limit)]
    for schedule_id in due:
        with store.transaction() as tx:
            schedule = tx.schedules.get(schedule_id)
            if schedule is None or schedule.next_run_at > now:
                continue  # deleted or run by another worker meanwhile
            if _run_one(tx, schedule, now, signing_key, emulator, builders):
                ran += 1
    return ran


def _run_one(
    tx: Transaction,
    schedule: StoredSchedule,
    now: datetime,
    signing_key: SigningKey,
    emulator: DeviceEmulator,
    builders: BuilderLookup,
) -> bool:
    recurrence = Recurrence(
        schedule.frequency,
        schedule.start_date,
        schedule.end_date,
        time.fromisoformat(schedule.at_time),
    )
    following = recurrence.next_after(schedule.next_run_at)
    if following is None:
        if tx.schedules.remove([schedule.schedule_id]) != 1:  # its last occurrence
            return False
    elif not tx.schedules.advance(schedule.schedule_id, schedule.next_run_at, following):
        return False
    device = tx.devices.get(schedule.device_id, with_history=False)
    srv = catalogue().get(schedule.srv)
    if device is None or srv is None:
        return False
    counter = schedule.schedule_id * OCCURRENCE_SCALE + schedule.runs + 1
    rid = RequestId(schedule.user_id, device.device_id, counter)
    build = builders(srv.variant, device.device_type)
    try:
        answer = emulator.device_response(
            srv.variant,
            rid,
            str(rid),
            device,
            now,
            build=build,
            state=lambda: device_state.in_force(tx.device_states.get(device.device_id), now),
        )
    except NotEncoded as e:  # the occurrence is answered, with the gateway's code for it
        answer = Reply(NOT_ENCODED, reason=str(e))
    payload = getattr(answer.payload, "payload", b"")
    reply = Reply(
        answer.code,
        ScheduledMessageReply(payload, schedule.schedule_id)
        if answer.code == ResponseCode.I0
        else None,
    )
    response_id = f"{device.device_id}:{schedule.user_id}:{counter}"
    root = duis_response.build_response(
        reply=reply,
        at=now,
        request_id=None,
        response_id=response_id,
        service_reference=srv.service_reference,
        srv=srv.variant,
    )
    enqueue_signed(tx, root, signing_key, schedule.user_id, response_id, now)
    tx.audit.record(
        AuditEntry(
            now,
            "response",
            reply.code,
            None,
            schedule.user_id,
            None,
            srv.variant,
            device.device_id,
            detail=f"DCC schedule {schedule.schedule_id} occurrence",
        )
    )
    return True
