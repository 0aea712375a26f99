"""The alert 8F66 "Future-date HAN Interface Command Successfully Actioned": what a device
raises, to the User who sent it, when it actions a future-dated command it holds
(docs/gbcs.md "Device alerts").

A future-dated command has instructions: the parts that take effect at the execution time.
The device raises one 8F66 per instruction, in the command's order, each signed with its DS
key (message code 0x00CC from a DLMS device, 0x00CD from a GBZ one). Its payload names the
command (message code, and its originator counter: the DUIS RequestID counter, GBCS 7.2.8)
and the instruction:

- DLMS (ESME): the COSEM attribute descriptor (class, OBIS, attribute) of each SET of an
  activation time: the Activity Calendar's activate_passive_calendar_time (class 20,
  attribute 10), the Account's account_activation_time (111, 13), the Charge's
  unit_charge_activation_time (113, 7), the GBCS Extended Data's Activate Passive Value
  Time (9000, 6);
- GBZ (GSME): the cluster, ZCL frame control and command of each ZSE command with a start
  time (`DATED_ZCL`), or with a GBZ From Date Time (GBCS 7.2.10: for the commands with no
  time of their own).

These are the instructions the RTDS 4.5.0 8F66 alerts name for the commands of the same use
cases (facts, no vector copied); tests/gbcs/test_future_dated.py holds them byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import alerts, gbz
from gbdsp.gbcs.encoding import uint
from gbdsp.gbcs.frames import read_length

ACCESS_REQUEST = 0xD9
SET = 0x02
ACTIVATION_TIMES = frozenset({(20, 10), (111, 13), (113, 7), (9000, 6)})
"""(COSEM class, attribute) of the activation times a future-dated ESME command sets."""
PRICE, PREPAYMENT, CALENDAR = 0x0700, 0x0705, 0x0707
DATED_ZCL = frozenset(
    {
        (PRICE, 0x04),  # Publish Tariff Information
        (PRICE, 0x05),  # Publish Price Matrix
        (PRICE, 0x06),  # Publish Block Thresholds
        (PREPAYMENT, 0x03),  # Emergency Credit Setup
        (PREPAYMENT, 0x06),  # Change Payment Mode
        (PREPAYMENT, 0x0B),  # Set Maximum Credit Limit
        (PREPAYMENT, 0x0C),  # Set Overall Debt Cap
        (CALENDAR, 0x00),  # Publish Calendar
        (CALENDAR, 0x04),  # Publish Special Days
    }
)
"""(cluster, command) of the ZSE commands a future-dated GSME command times by its start
time (the day, week and season profiles follow their Publish Calendar)."""
MAX_INSTRUCTIONS = 255
FROM_DATE_TIME = 0x10
"""GBZ component control: a From Date Time (4 octets) precedes the ZCL frame."""


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction of a future-dated command: `target` is the COSEM attribute
    descriptor (9 octets, DLMS) or the cluster, frame control and command (4 octets, GBZ)."""

    target: bytes
    zigbee: bool


def instructions(content: bytes) -> list[Instruction]:
    """The instructions of a command's content (an xDLMS Access-Request or a plaintext GBZ
    payload); InvalidValue for anything else, or a command with none."""
    if content[:1] == bytes([ACCESS_REQUEST]):
        found = _dlms(content)
    elif content[:2] == gbz.PROFILE_ID:
        found = _gbz(content)
    else:
        raise InvalidValue("not an Access-Request or a GBZ command")
    if not found:
        raise InvalidValue("the command sets no future-dated instruction")
    if len(found) > MAX_INSTRUCTIONS:
        raise InvalidValue("too many instructions in one command")
    return found


def _dlms(content: bytes) -> list[Instruction]:
    """After the tag, the invoke id (4), the date-time (00 or 12 octets) and the count, each
    request specification: its kind, class (2), OBIS (6), attribute or method (1)."""
    at = 5
    if at >= len(content):
        raise InvalidValue("truncated Access-Request")
    at += 1 if content[at] == 0 else 13
    count, size = read_length(content, at)
    at += size
    if at + 10 * count > len(content):
        raise InvalidValue("truncated Access-Request specifications")
    found = []
    for i in range(count):
        spec = content[at + 10 * i : at + 10 * (i + 1)]
        class_id, member = int.from_bytes(spec[1:3], "big"), spec[9]
        if spec[0] == SET and (class_id, member) in ACTIVATION_TIMES:
            found.append(Instruction(spec[1:], zigbee=False))
    return found


def _gbz(content: bytes) -> list[Instruction]:
    """Each component: control, cluster (2), length (2), a From Date Time (4) if the
    control says so, then the ZCL frame: frame control, sequence, command."""
    found, at = [], 3
    for _ in range(content[2] if len(content) > 2 else 0):
        if at + 5 > len(content):
            raise InvalidValue("truncated GBZ component")
        control, cluster = content[at], int.from_bytes(content[at + 1 : at + 3], "big")
        size = int.from_bytes(content[at + 3 : at + 5], "big")
        if control & gbz.CONTROL_ENCRYPTED:
            raise InvalidValue("an encrypted GBZ component in a command")
        dated = bool(control & FROM_DATE_TIME)
        zcl = content[at + 5 + 4 * dated : at + 5 + size]
        if len(zcl) < 3 or at + 5 + size > len(content):
            raise InvalidValue("truncated GBZ component")
        if dated or (cluster, zcl[2]) in DATED_ZCL:
            found.append(Instruction(uint(cluster, 2) + zcl[0:1] + zcl[2:3], zigbee=True))
        at += 5 + size
    return found


def actioned(
    ex: alerts.AlertExchange, message_code: int, command_counter: int, instruction: Instruction
) -> bytes:
    """The 8F66 of one instruction of the command `message_code` whose originator counter
    was `command_counter`; `ex.counter` is the alert's own (the device's)."""
    if not 0 <= command_counter < 1 << 64:
        raise InvalidValue("an originator counter is 8 octets")
    payload = uint(message_code, 2) + uint(command_counter, 8) + instruction.target
    return alerts.future_dated_actioned(ex, payload, zigbee=instruction.zigbee)
