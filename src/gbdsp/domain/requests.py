"""DUIS request identity: RequestID, Command Variants and the web service each belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DCC_ACCESS_CONTROL_BROKER, DeviceId, Eui64, UserId

MAX_COUNTER = 2**64 - 1


class WebService(Enum):
    """The three DUIS web services and their DCC Boxed URL paths."""

    NON_DEVICE = "/api/v1/serviceD"
    SEND_COMMAND = "/api/v1/serviceS"
    TRANSFORM = "/api/v1/serviceT"


class CommandVariant(Enum):
    """DUIS Command Variants (reference/command-variants.csv)."""

    COMMAND = 1
    LOCAL_COMMAND = 2
    COMMAND_AND_LOCAL = 3
    TRANSFORM = 4
    SIGNED_PRE_COMMAND = 5
    SIGNED_PRE_COMMAND_LOCAL = 6
    SIGNED_PRE_COMMAND_BOTH = 7
    NON_DEVICE = 8
    DCC_INTERNAL = 9

    @property
    def web_service(self) -> WebService | None:
        return _WEB_SERVICE.get(self)

    @property
    def is_signed_pre_command(self) -> bool:
        return self in (
            CommandVariant.SIGNED_PRE_COMMAND,
            CommandVariant.SIGNED_PRE_COMMAND_LOCAL,
            CommandVariant.SIGNED_PRE_COMMAND_BOTH,
        )


_WEB_SERVICE = {
    CommandVariant.COMMAND: WebService.SEND_COMMAND,
    CommandVariant.COMMAND_AND_LOCAL: WebService.SEND_COMMAND,
    CommandVariant.SIGNED_PRE_COMMAND: WebService.SEND_COMMAND,
    CommandVariant.SIGNED_PRE_COMMAND_BOTH: WebService.SEND_COMMAND,
    CommandVariant.LOCAL_COMMAND: WebService.NON_DEVICE,
    CommandVariant.SIGNED_PRE_COMMAND_LOCAL: WebService.NON_DEVICE,
    CommandVariant.NON_DEVICE: WebService.NON_DEVICE,
    CommandVariant.TRANSFORM: WebService.TRANSFORM,
    # CV 9 is internal to DCC Data Systems: no web service accepts it from a User.
}


@dataclass(frozen=True, slots=True)
class RequestId:
    """`originator:target:counter`: who sent it, to which Device (or the DCC), which counter."""

    originator: UserId
    target: Eui64
    counter: int

    @classmethod
    def parse(cls, text: str) -> RequestId:
        parts = text.strip().split(":")
        if len(parts) != 3 or not parts[2].isdigit():
            raise InvalidValue(f"not a RequestID (originator:target:counter): {text!r}")
        counter = int(parts[2])
        if counter > MAX_COUNTER:
            raise InvalidValue(f"RequestID counter exceeds 2^64-1: {text!r}")
        return cls(UserId.parse(parts[0]), Eui64.parse(parts[1]), counter)

    @property
    def is_for_dcc(self) -> bool:
        return self.target.value == DCC_ACCESS_CONTROL_BROKER.value

    @property
    def device_id(self) -> DeviceId | None:
        return None if self.is_for_dcc else DeviceId(self.target.value)

    def __str__(self) -> str:
        return f"{self.originator}:{self.target}:{self.counter}"
