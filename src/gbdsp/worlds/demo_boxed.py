"""What the DCC Boxed templates expect of the template premises beyond the demo fleet
(docs/duis-coverage.md): the firmware version 11.1 and 11.4 name (00000000) on the CPL for
the models of the ESME and PPMID they target, and the DCC schedule 123 that 5.2 and 5.3 read
and delete (the daily 4.6.1 of ECS21a on the ESME). Idempotent; run after the template
premises exists (`services/demo.py` calls `prepare_template_premises` once it is built).

Four templates need the premises as it was before it was installed (`make_fresh`, `gbdsp
demo --boxed-fresh`): 8.14.1 and 8.14.2 report the CH installed, which the SMI transition
table allows from Pending only, and the two 8.1.1 commission the ESME and GSME, which AC
4.12(b) allows only while they are Installed Not Commissioned. Every other template needs
them Commissioned, so one world cannot serve both."""

from __future__ import annotations

from dataclasses import replace

from gbdsp.clock import Clock
from gbdsp.domain.dcc_schedules import Recurrence
from gbdsp.domain.devices import SmiStatus, StatusChange
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.store.store import Store

TEMPLATE_FIRMWARE = "00000000"
"""The FirmwareVersion of the 11.1 and 11.4 templates."""
FIRMWARE_TARGETS = (
    DeviceId.parse("00-DB-12-34-56-78-90-A0"),  # 11.1: the ESME
    DeviceId.parse("00-DB-12-34-56-78-90-A4"),
)  # 11.4: the PPMID


TEMPLATE_SCHEDULE = 123
"""The DSPScheduleID of the 5.2 and 5.3 templates."""
SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")
_SCHEDULE = (
    '<sr:CreateSchedule xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway">'
    "<sr:ScheduleFrequency>Daily</sr:ScheduleFrequency>"
    "<sr:ScheduleStartDate>{start}</sr:ScheduleStartDate>"
    "<sr:DSPScheduledServiceReference>4.6</sr:DSPScheduledServiceReference>"
    "<sr:DSPScheduledServiceReferenceVariant>4.6.1</sr:DSPScheduledServiceReferenceVariant>"
    "<sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID><sr:DSPRetrieveImportDailyReadLog>"
    "<sr:StartDateOffset>-1</sr:StartDateOffset><sr:StartTime>00:00:00Z</sr:StartTime>"
    "<sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00Z</sr:EndTime>"
    "</sr:DSPRetrieveImportDailyReadLog></sr:CreateSchedule>"
)


def prepare_template_premises(store: Store, clock: Clock) -> int:
    """Put the templates' firmware on the CPL for the template devices' models and create
    schedule 123; returns how many rows were added (0 when already there or the premises
    is absent)."""
    added = 0
    now = clock.now()
    with store.transaction() as tx:
        esme = tx.devices.get(FIRMWARE_TARGETS[0], with_history=False)
        if esme is not None and tx.schedules.get(TEMPLATE_SCHEDULE) is None:
            recurrence = Recurrence("Daily", now.date())
            first = recurrence.next_after(now)
            assert first is not None  # open-ended
            tx.schedules.add(
                user_id=SUPPLIER,
                device_id=esme.device_id,
                srv="4.6.1",
                details=_SCHEDULE.format(start=now.date().isoformat()).encode(),
                frequency="Daily",
                start_date=now.date(),
                end_date=None,
                at_time="00:00:00",
                next_run_at=first,
                created_at=now,
                schedule_id=TEMPLATE_SCHEDULE,
            )
            added += 1
        for device_id in FIRMWARE_TARGETS:
            device = tx.devices.get(device_id, with_history=False)
            if device is None:
                continue
            model = replace(device.model, firmware_version=TEMPLATE_FIRMWARE)
            key = CplKey(model, device.device_type, device.smets_variant)
            if tx.cpl.find(key) is None and tx.cpl.put(CplEntry(key)):
                added += 1
    return added


FRESH: tuple[tuple[DeviceId, SmiStatus], ...] = (
    (DeviceId.parse("00-DB-12-34-56-78-90-A2"), SmiStatus.PENDING),  # CHF: 8.14.1, 8.14.2
    (DeviceId.parse("00-DB-12-34-56-78-90-A3"), SmiStatus.PENDING),  # its GPF moves with it
    (DeviceId.parse("00-DB-12-34-56-78-90-A0"), SmiStatus.INSTALLED_NOT_COMMISSIONED),  # ECS70
    (DeviceId.parse("00-DB-12-34-56-78-90-A1"), SmiStatus.INSTALLED_NOT_COMMISSIONED),  # GCS28
)
"""The template premises before installation: what the four install-time templates need.
The SM WAN coverage and the HAN stay, so the 8.1.1 commands reach the meters."""


def make_fresh(store: Store, clock: Clock) -> list[tuple[DeviceId, SmiStatus]]:
    """Put the template premises back to `FRESH`, each move a dated line of the devices'
    status history; returns the devices moved (none when the premises is absent or fresh)."""
    now = clock.now()
    moved = []
    with store.transaction() as tx:
        for device_id, status in FRESH:
            device = tx.devices.get(device_id, with_history=False)
            if device is None or device.status is status:
                continue
            tx.devices.record_status(
                device_id, StatusChange(status, now, "gbdsp demo --boxed-fresh")
            )
            moved.append((device_id, status))
    return moved
