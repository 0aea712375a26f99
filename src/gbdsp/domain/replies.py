"""What a service request produces, before it is rendered as a DUIS Response."""

from __future__ import annotations

from dataclasses import dataclass

from gbdsp.domain.devices import Device
from gbdsp.domain.products import CplStatus
from gbdsp.domain.response_codes import SUCCESS, ResponseCode
from gbdsp.domain.wan_matrix import MatrixLine


@dataclass(frozen=True, slots=True)
class InventoryEntry:
    device: Device
    cpl_status: CplStatus | None
    gbcs_version: str | None = None
    """The GBCS version the device speaks (DUIS DeviceGBCSVersion)."""


@dataclass(frozen=True, slots=True)
class InventoryReply:
    """8.2 Read Inventory: the devices of the premises (DUIS allows at most 17)."""

    entries: tuple[InventoryEntry, ...]
    show_restricted: bool = False
    """MP169 in force: each Device carries the Restricted indication (schema extension)."""


@dataclass(frozen=True, slots=True)
class PreCommandReply:
    """CV 4: the pre-command the User signs and sends back as CV 5/6/7."""

    gbcs_version: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class LocalCommandReply:
    """CV 2/6: the command for the User to deliver locally."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class DeviceResponseReply:
    """A device's response (GBCS payload) as it comes back over the SM WAN."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class WanMatrixReply:
    """12.1: the request echoed, then one line per CSP region."""

    uprn: str | None
    postcode: str | None
    address_identifier: str | None
    lines: tuple[MatrixLine, ...]


@dataclass(frozen=True, slots=True)
class OptInReply:
    """8.6 Service Opt In: the DCC's broker certificates the device is to trust."""

    device_id: str
    key_agreement_der: bytes
    digital_signing_der: bytes | None = None


@dataclass(frozen=True, slots=True)
class CinReply:
    """9.1: the device's response with the Customer Identification Number it shows."""

    payload: bytes
    cin: str


@dataclass(frozen=True, slots=True)
class ScheduleIdReply:
    """5.1 Create Schedule: the DSPScheduleID the DSP gave it."""

    schedule_id: int


@dataclass(frozen=True, slots=True)
class SchedulesReply:
    """5.2 Read Schedule: each schedule's ID and its sr:DSPSchedule as created (XML)."""

    schedules: tuple[tuple[int, bytes], ...]


@dataclass(frozen=True, slots=True)
class ScheduledMessageReply:
    """One occurrence of a DCC schedule: the device's response and the schedule's ID."""

    payload: bytes
    schedule_id: int


@dataclass(frozen=True, slots=True)
class FutureDatedAlertReply:
    """A device-held future-dated command has run (FutureDatedDeviceAlertMessage): the
    device's alert for instruction `instruction` of the command's `instructions`."""

    alert_code: str
    payload: bytes
    instruction: int = 1
    instructions: int = 1


Payload = (
    FutureDatedAlertReply
    | ScheduleIdReply
    | SchedulesReply
    | ScheduledMessageReply
    | InventoryReply
    | PreCommandReply
    | LocalCommandReply
    | DeviceResponseReply
    | WanMatrixReply
    | OptInReply
    | CinReply
)


@dataclass(frozen=True, slots=True)
class Reply:
    """A DUIS response code with an optional payload."""

    code: ResponseCode
    payload: Payload | None = None
    reason: str = ""
    """Why, in words, for the audit log (DUIS has no field for it)."""

    @property
    def is_success(self) -> bool:
        return self.code in SUCCESS
